// Liveness and readiness. /health says the process answers; /ready says whether the database
// and the state store do, naming the one that does not. Both are `probe` routes: never refused by
// an IP block or a route limit (probes come from fixed addresses).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Database } from '../../platform/db/index.ts';
import { ErrorBody, PLATFORM_ERRORS } from '../../platform/errors.ts';
import type { StateStore } from '../../platform/store/index.ts';

const CHECK_TIMEOUT_MS = 2_000;

async function check(probe: () => Promise<void>): Promise<'ok' | 'unavailable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch {
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

const Status = Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]);
const ReadyBody = Type.Object({
  status: Type.String(),
  checks: Type.Object({ database: Status, state_store: Status }),
});

/** What the probes check: each one must answer a ping (the store's on every master, writably). */
export interface HealthRouteDeps {
  db: Pick<Database, 'ping'>;
  store: Pick<StateStore, 'ping'>;
}

export async function healthRoutes(app: FastifyInstance, deps: HealthRouteDeps) {
  app.get(
    '/health',
    {
      config: { probe: true },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        description:
          'Checks nothing else: for restarting a process that stopped answering. Never refused by an IP ' +
          'block or a route limit.',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { probe: true },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database and the state store answer',
        description:
          'Both are pinged (within 2 s each; the state store on every master, writably). 503 names the one ' +
          'that does not answer, in `detail` and `checks`, with Retry-After. Never refused by an IP block ' +
          'or a route limit.',
        response: {
          200: ReadyBody,
          503: Type.Object(
            { ...ErrorBody.properties, checks: ReadyBody.properties.checks },
            {
              description:
                'The database or the state store does not answer (named in `detail` and `checks`), or ' +
                'the instance is shutting down.',
              examples: [
                {
                  detail: 'Service unavailable: state store',
                  code: PLATFORM_ERRORS.SERVICE_UNAVAILABLE.code,
                  checks: { database: 'ok', state_store: 'unavailable' },
                },
              ],
            },
          ),
        },
      },
    },
    async (_request, reply) => {
      const [database, stateStore] = await Promise.all([
        check(() => deps.db.ping()),
        check(() => deps.store.ping()),
      ]);
      const checks = { database, state_store: stateStore };
      const failing = Object.entries({ database, 'state store': stateStore })
        .filter(([, state]) => state !== 'ok')
        .map(([name]) => name);
      if (failing.length === 0) return { status: 'ok', checks };
      reply.code(503).header('retry-after', '5');
      return {
        detail: `Service unavailable: ${failing.join(', ')}`,
        code: PLATFORM_ERRORS.SERVICE_UNAVAILABLE.code,
        checks,
      };
    },
  );
}
