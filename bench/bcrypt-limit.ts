// The machine's login ceiling: every login spends one bcrypt comparison at the configured cost, so no
// implementation can log in more than (cores ÷ one hash's time) users per second. Measured in this
// run, on this machine, while nothing else of the bench is loaded.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import bcrypt from 'bcrypt';

export interface BcryptLimit {
  cost: number;
  hashMs: number;
  cores: number;
  /** Logins per second the machine could do if it did nothing but hash. */
  limit: number;
}

export async function measureBcryptLimit(cost: number, samples: number): Promise<BcryptLimit> {
  await bcrypt.hash('warm-up', 4);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await bcrypt.hash(`bench-password-${i}`, cost);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const hashMs = times[Math.floor(times.length / 2)] as number;
  const cores = availableParallelism();
  return {
    cost,
    hashMs: Math.round(hashMs * 10) / 10,
    cores,
    limit: Math.round((cores / hashMs) * 10_000) / 10,
  };
}
