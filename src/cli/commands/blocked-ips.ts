// `tradewise list-blocked-ips` and `tradewise unblock-ip <ip>`: the operator's view of IP blocks,
// offline. In the server shape this acts on the shared Redis and database at once; the embedded
// shape's live blocks are inside the running process, so there use DELETE /api/v1/ops/blocked-ips.

import { createIpBlocks } from '../../features/protection/ip-blocks.ts';
import { isClientKey } from '../../platform/client-key.ts';
import type { Command } from '../context.ts';
import { parseArgs, withCliContext } from '../context.ts';

export const listBlockedIpsCommand: Command = {
  summary: 'list active IP blocks',
  run: () =>
    withCliContext(async ({ db, store }) => {
      const blocks = await createIpBlocks({ db, store }).list();
      if (blocks.length === 0) process.stdout.write('no active IP blocks\n');
      for (const block of blocks) {
        process.stdout.write(`${block.ip}\t${block.reason}\tuntil ${block.expires_at}\n`);
      }
      return 0;
    }),
};

export const unblockIpCommand: Command = {
  summary: 'lift the block on an IP address: unblock-ip <ip>',
  run: (args) => {
    const [ip] = parseArgs(args).positional;
    if (ip === undefined || !isClientKey(ip)) {
      process.stderr.write('usage: tradewise unblock-ip <ip address>\n');
      return Promise.resolve(64);
    }
    return withCliContext(async ({ db, store }) => {
      const lifted = await createIpBlocks({ db, store }).lift(ip);
      process.stdout.write(lifted ? `block on ${ip} lifted\n` : `no block on ${ip}\n`);
      return lifted ? 0 : 3;
    });
  },
};
