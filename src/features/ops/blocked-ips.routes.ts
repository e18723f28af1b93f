// Platform operations on IP blocks. Operator role only: a tenant admin can neither see nor lift
// platform-wide blocks.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { clientKey, isClientKey } from '../../platform/client-key.ts';
import { ValidationFailed } from '../../platform/errors.ts';
import type { RequireRole } from '../../platform/request-auth.ts';
import { authOf } from '../../platform/request-auth.ts';
import type { IpBlocks } from '../protection/index.ts';
import { noBlockForAddress } from './ops.errors.ts';

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
        summary: 'Blocked client addresses (operators)',
        description: 'Every address blocked now (brute force, or an operator), with why and until when.',
        security: [{ bearerAuth: [] }],
        response: { 200: Type.Object({ items: Type.Array(IpBlock) }) },
      },
    },
    async () => ({ items: await deps.ipBlocks.list() }),
  );

  app.delete(
    '/ops/blocked-ips/:ip',
    {
      preHandler: operatorOnly,
      schema: {
        tags: ['operations'],
        summary: 'Lift the block of one address (operators)',
        description: 'At once, on every instance. An address that is not blocked is a 404.',
        security: [{ bearerAuth: [] }],
        params: Type.Object({ ip: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null() },
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
