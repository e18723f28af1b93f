// Steady concurrent load for the resilience tests: workers repeat a task until told to stop, and
// every request must settle before a deadline — a request that hangs is itself a failure.
import { setTimeout as sleep } from 'node:timers/promises';

export class HungError extends Error {}

/** `promise`, or a HungError once `ms` have passed (the timer never keeps the process alive). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HungError(`${what} did not settle within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Load {
  /** Stops starting new tasks and waits for the running ones. */
  stop(): Promise<void>;
}

/** Runs `task(n)` on `workers` workers, n counting up across all of them, until stopped. */
export function startLoad(workers: number, task: (n: number) => Promise<void>): Load {
  let stopped = false;
  let next = 0;
  const running = Array.from({ length: workers }, async () => {
    while (!stopped) {
      await task(next++);
      await sleep(1);
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** Polls `check` until it holds; false if it never did within `ms`. */
export async function eventually(check: () => Promise<boolean>, ms: number, every = 200): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await sleep(every);
  }
  return false;
}
