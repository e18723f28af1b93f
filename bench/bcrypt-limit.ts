// The machine's login ceiling: every login spends one bcrypt comparison at the configured cost, so no
// implementation can log in more than (cores ÷ one hash's time) users per second. Measured in this
// run, on this machine, while nothing else of the bench is loaded.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import bcrypt from 'bcrypt';

export interface BcryptLimit {
  cost: number;
  hashMs: number;
  /** CPU one hash used (all threads): below hashMs when other processes hold the cores. */
  hashCpuMs: number;
  cores: number;
  /** Logins per second the machine could do if it did nothing but hash. */
  limit: number;
}

export async function measureBcryptLimit(cost: number, samples: number): Promise<BcryptLimit> {
  await bcrypt.hash('warm-up', 4);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    await bcrypt.hash(`bench-password-${i}`, cost);
    const used = process.cpuUsage(cpu);
    times.push(performance.now() - start);
    cpuTimes.push((used.user + used.system) / 1_000);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const hashMs = median(times);
  const cores = availableParallelism();
  return {
    cost,
    hashMs: Math.round(hashMs * 10) / 10,
    hashCpuMs: Math.round(median(cpuTimes) * 10) / 10,
    cores,
    limit: Math.round((cores / hashMs) * 10_000) / 10,
  };
}
