// Graceful shutdown (SIGTERM, `app.close()`): once closing has begun, requests still arriving on
// open connections get the contract's 503 instead of reaching a service whose pools are closing.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { serviceUnavailable } from './errors.ts';

export const shutdownPlugin = fp(
  async (app: FastifyInstance) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onRequest', (_request, _reply, done) => {
      done(closing ? serviceUnavailable('shutting down') : undefined);
    });
  },
  { name: 'tradewise-shutdown' },
);
