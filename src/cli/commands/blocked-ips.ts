// `tradewise list-blocked-ips` and `tradewise unblock-ip <ip>`: the operator's view of IP blocks.
// In the server shape this acts on the shared database and Redis, live. In the embedded shape the
// running server holds the data directory and keeps the live blocks in its own memory, so the
// command goes through the server's control socket (DATA_DIR/control.sock) when one answers, and
// opens the data directory itself only when no server runs.
import { loadConfig } from '../../config.ts';
import type { ControlRequest, ControlResponse } from '../../features/ops/control-socket.ts';
import { controlSocketPath, sendControlCommand } from '../../features/ops/control-socket.ts';
import type { IpBlock } from '../../features/protection/index.ts';
import { createIpBlocks } from '../../features/protection/ip-blocks.ts';
import { clientKey, isClientKey } from '../../platform/client-key.ts';
import type { Command } from '../context.ts';
import { JSON_OPTION, printJson, UsageError, withCliContext } from '../context.ts';

/** The running embedded server's answer, or undefined when there is none to ask. */
async function askRunningServer(request: ControlRequest): Promise<ControlResponse | undefined> {
  const config = loadConfig(process.env);
  if (config.databaseUrl !== undefined) return undefined;
  const response = await sendControlCommand(controlSocketPath(config.dataDir), request);
  if (response !== undefined && !response.ok)
    throw new Error(`the running server refused: ${response.error}`);
  return response;
}

function table(blocks: readonly IpBlock[]): string {
  const rows = [
    ['IP', 'REASON', 'BLOCKED AT', 'EXPIRES AT'],
    ...blocks.map((b) => [b.ip, b.reason, b.blocked_at, b.expires_at]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  return rows
    .map((row) =>
      row.map((cell, i) => (i < widths.length ? cell.padEnd(widths[i] as number) : cell)).join('  '),
    )
    .join('\n');
}

export const listBlockedIpsCommand: Command = {
  summary: 'list active IP blocks (works while the embedded server runs)',
  usage: '[--json]',
  options: [
    { ...JSON_OPTION, description: 'print {"items": [{ip, reason, blocked_at, expires_at}]} as JSON' },
  ],
  async run(args) {
    const live = await askRunningServer({ command: 'list-blocked-ips' });
    const blocks =
      live !== undefined && 'blocks' in live
        ? live.blocks
        : await withCliContext(({ db, store }) => createIpBlocks({ db, store }).list());
    if (args.options.has('json')) printJson({ items: blocks });
    else process.stdout.write(blocks.length === 0 ? 'no active IP blocks\n' : `${table(blocks)}\n`);
    return 0;
  },
};

export const unblockIpCommand: Command = {
  summary: 'lift the block on an IP address (works while the embedded server runs)',
  usage: '<ip> [--json]',
  positional: 1,
  details:
    '<ip> is an IPv4 or IPv6 address, or an IPv6 /64 key as list-blocked-ips shows it (IPv6 clients are blocked per /64).\nExit code 3: there was no block on that address.',
  options: [{ ...JSON_OPTION, description: 'print {"ip", "lifted"} as JSON' }],
  async run(args) {
    const [ip] = args.positional;
    if (ip === undefined) throw new UsageError('no IP address given');
    if (ip.length > 64 || !isClientKey(ip)) throw new UsageError(`"${ip}" is not an IP address`);
    const live = await askRunningServer({ command: 'unblock-ip', ip });
    const lifted =
      live !== undefined && 'lifted' in live
        ? live.lifted
        : await withCliContext(({ db, store }) => createIpBlocks({ db, store }).lift(ip));
    const key = clientKey(ip);
    if (args.options.has('json')) printJson({ ip: key, lifted });
    else process.stdout.write(lifted ? `block on ${key} lifted\n` : `no block on ${key}\n`);
    return lifted ? 0 : 3;
  },
};
