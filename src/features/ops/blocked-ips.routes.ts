// Platform operations on IP blocks. Operator role only: a tenant admin can neither see nor lift
// platform-wide blocks.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { clientKey, isClientKey } from '../../platform/client-key.ts';
import { ValidationFailed } from '../../platform/errors.ts';
import { errorResponse } from '../../platform/openapi.ts';
import { ListQuery, NextCursor } from '../../platform/pagination.ts';
import type { RequireRole } from '../../platform/request-auth.ts';
import { authOf } from '../../platform/request-auth.ts';
import type { IpBlocks } from '../protection/index.ts';
import { noBlockForAddress } from './ops.refusals.ts';

/** What the operator IP-block routes use. */
export interface BlockedIpRouteDeps {
  ipBlocks: IpBlocks;
  requireRole: RequireRole;
}

const IpBlock = Type.Object({
  ip: Type.String(),
  reason: Type.String(),
  blocked_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
});

export async function blockedIpRoutes(app: FastifyInstance, deps: BlockedIpRouteDeps) {
  const operatorOnly = deps.requireRole('operator');

  app.get(
    '/ops/blocked-ips',
    {
      preHandler: operatorOnly,
      schema: {
        tags: ['operations'],
        summary: 'List the active IP blocks (operators)',
        description:
          'Platform-wide IP blocks in force, newest first, paginated like every list: `?limit=` ' +
          "(1-100, default 50) and the opaque `?cursor=` from the previous page's `next_cursor` " +
          '(null on the last page); a cursor this listing did not issue is a 422. An IPv6 client ' +
          'is blocked by its /64 prefix, shown as `<prefix>::/64`. Role `operator` only: anyone ' +
          'else gets 403 and an `unauthorized_access_attempt` event.',
        security: [{ bearerAuth: [] }],
        querystring: ListQuery,
        response: {
          200: Type.Object({ items: Type.Array(IpBlock), next_cursor: NextCursor }),
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query as { limit: number; cursor?: string };
      return deps.ipBlocks.page({ limit, cursor });
    },
  );

  app.delete(
    '/ops/blocked-ips/:ip',
    {
      preHandler: operatorOnly,
      schema: {
        tags: ['operations'],
        summary: 'Lift an IP block (operators)',
        description:
          'Lifts the block on the address (an IPv6 address: the block on its /64) on every instance ' +
          'at once: 204. An address that is not blocked is a 404 ' +
          '`NOT_FOUND`; one that is no address a 422 at `path.ip`. Role `operator` only.',
        security: [{ bearerAuth: [] }],
        params: Type.Object({ ip: Type.String({ maxLength: 64 }) }),
        response: {
          204: Type.Null(),
          404: errorResponse('The address is not blocked.', noBlockForAddress()),
        },
      },
    },
    async (request, reply) => {
      const { ip } = request.params as { ip: string };
      if (!isClientKey(ip)) {
        throw new ValidationFailed([
          { loc: ['path', 'ip'], msg: 'Input should be a valid IP address', type: 'ip_address' },
        ]);
      }
      const lifted = await deps.ipBlocks.lift(ip);
      if (!lifted) throw noBlockForAddress();
      request.log.warn(
        { lifted: clientKey(ip), operator: authOf(request).userId },
        'IP block lifted by operator',
      );
      return reply.code(204).send();
    },
  );
}
