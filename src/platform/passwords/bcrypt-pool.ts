// bcrypt on worker threads that run at a low scheduling priority (nice 10). A login flood then
// uses every core the requests leave idle, while the event loop — which answers everyone else's
// requests — keeps precedence over the hashing (reads stay fast during a flood). On Linux a
// thread's nice value is its own: each worker lowers only itself.

import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface BcryptEngine {
  hash(data: string, salt: string): Promise<string>;
  compare(data: string | Buffer, encrypted: string): Promise<boolean>;
}

// Runs inside each worker (CommonJS, evaluated): the synchronous bcrypt calls execute on this
// low-priority thread rather than on libuv's shared pool.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const os = require('node:os');
const bcrypt = require(workerData.bcryptPath);
try { os.setPriority(0, 10); } catch {}
parentPort.on('message', ({ id, op, data, arg }) => {
  try {
    // Buffers arrive as plain Uint8Arrays (structured clone); bcrypt wants a string or a Buffer.
    const input = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const result = op === 'hash' ? bcrypt.hashSync(input, arg) : bcrypt.compareSync(input, arg);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});`;

interface Job {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export function createBcryptPool(size = Math.max(1, cpus().length)): BcryptEngine {
  const bcryptPath = createRequire(import.meta.url).resolve('bcrypt');
  const jobs = new Map<number, Job>();
  const current = new Map<Worker, number>();
  let nextId = 0;
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const waiting: (() => void)[] = [];

  const spawn = () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath } });
    worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: string }) => {
      const job = jobs.get(id);
      jobs.delete(id);
      current.delete(worker);
      if (error === undefined) job?.resolve(result);
      else job?.reject(new Error(error));
      release(worker);
    });
    worker.on('error', () => {
      // A worker that dies takes no job with it silently: fail its job, replace it.
      const id = current.get(worker);
      current.delete(worker);
      if (id !== undefined) {
        jobs.get(id)?.reject(new Error('bcrypt worker failed'));
        jobs.delete(id);
      }
      workers.splice(workers.indexOf(worker), 1);
      const position = idle.indexOf(worker);
      if (position !== -1) idle.splice(position, 1);
      spawn();
    });
    workers.push(worker);
    release(worker);
  };

  const release = (worker: Worker) => {
    worker.unref(); // idle: never keep the process alive
    const next = waiting.shift();
    if (next !== undefined) {
      idle.push(worker);
      next();
    } else idle.push(worker);
  };

  const run = async <T>(op: 'hash' | 'compare', data: string | Buffer, arg: string): Promise<T> => {
    if (workers.length === 0) for (let i = 0; i < size; i++) spawn();
    while (idle.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    const worker = idle.pop() as Worker;
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      jobs.set(id, { resolve: resolve as (value: unknown) => void, reject });
      current.set(worker, id);
      worker.ref(); // busy: keep the process alive until the answer is back
      worker.postMessage({ id, op, data, arg });
    });
  };

  return {
    hash: (data, salt) => run<string>('hash', data, salt),
    compare: (data, encrypted) => run<boolean>('compare', data, encrypted),
  };
}
