// One instance per core on one machine (WORKERS > 1, server shape only): the primary process forks
// the workers, which share the listening socket (node:cluster) and hold no state of their own — it
// is all in PostgreSQL and Redis, exactly as with several machines. The primary restarts a worker
// that dies and, on SIGTERM/SIGINT, passes the signal on and waits for every worker's graceful
// shutdown. It also merges the workers' metrics for /metrics (platform/metrics-cluster.ts). It logs
// through the same JSON logger as the workers (platform/logging.ts), so one log has one format.
import cluster from 'node:cluster';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import { serveInstanceMetrics } from './platform/metrics-cluster.ts';

export function runPrimary(config: Config, log: FastifyBaseLogger): void {
  let stopping = false;
  // A scrape of /metrics reaches one worker, which asks here for every worker's figures.
  serveInstanceMetrics();
  const fork = () => cluster.fork();
  for (let i = 0; i < config.workers; i++) fork();

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log.warn(
      { worker_pid: worker.process.pid, exit_code: code, signal },
      `worker ${worker.process.pid} exited (${signal ?? code}); starting another`,
    );
    setTimeout(fork, 1_000);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, workers: config.workers }, `${signal}: stopping ${config.workers} workers`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 2_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
