// /metrics with WORKERS > 1 (node:cluster). Each worker keeps its own registry, and a scrape lands
// on whichever worker the primary hands the connection to: answered from that registry alone,
// consecutive scrapes would show different workers' counters (2, 3, 3, 4, 4, 5), and Prometheus
// would read every switch as a counter reset. Instead the worker that got the scrape asks the
// primary, which collects every worker's registry (prom-client's AggregatorRegistry, over the
// cluster's IPC channel) and merges them by each metric's `aggregator`: counters and histograms
// are summed, platform-wide gauges (active_sessions_gauge) take the max, the mirror's in-sync
// flag the min. The scrape describes the instance as a whole.
import cluster from 'node:cluster';
import type { Registry } from 'prom-client';
import { AggregatorRegistry } from 'prom-client';

const REQUEST = 'tradewise:instance-metrics';
const REPLY = 'tradewise:instance-metrics:reply';

interface Request {
  type: typeof REQUEST;
  id: number;
}
interface Reply {
  type: typeof REPLY;
  id: number;
  text?: string;
  error?: string;
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** In the primary: answers the workers' requests for the instance's merged metrics. */
export function serveInstanceMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<Request>(message, REQUEST)) return;
    const answer = (reply: Omit<Reply, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: REPLY, id: message.id, ...reply } satisfies Reply);
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/**
 * In a worker, first thing at start-up: answer the primary's collection requests at once (with
 * nothing until the app's registry is offered), so that a scrape while a worker (re)starts waits
 * for no one and counts that worker as zero rather than timing out.
 */
export function answerInstanceMetrics(): void {
  // Constructing one installs prom-client's listener (idempotent).
  new AggregatorRegistry();
}

/**
 * In a worker: offers `registry` to the primary's aggregation and returns the scrape that answers
 * for the whole instance. Rejects when the primary does not answer in time (a worker that hangs
 * makes prom-client give up after 5 s): the route then answers 503 rather than part of the figures.
 */
export function instanceScrape(registry: Registry, timeoutMs = 7_000): () => Promise<string> {
  answerInstanceMetrics();
  AggregatorRegistry.setRegistries([registry]);
  const waiting = new Map<number, (reply: Reply) => void>();
  let nextId = 0;
  process.on('message', (message: unknown) => {
    if (isMessage<Reply>(message, REPLY)) waiting.get(message.id)?.(message);
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(
        () => settle({ type: REPLY, id, error: 'the primary did not answer' }),
        timeoutMs,
      );
      const settle = (reply: Reply) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (reply.text !== undefined) resolve(reply.text);
        else reject(new Error(`instance metrics unavailable: ${reply.error ?? 'no answer'}`));
      };
      waiting.set(id, settle);
      if (process.send === undefined) settle({ type: REPLY, id, error: 'not a cluster worker' });
      else process.send({ type: REQUEST, id } satisfies Request);
    });
}
