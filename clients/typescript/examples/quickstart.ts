// The quick start with the typed client: register, log in, create a bot, list the bots, read the
// audit log, log out, and see the spent token refused. Against a running service:
//
//   TRADEWISE_URL=http://127.0.0.1:8000 node --import tsx clients/typescript/examples/quickstart.ts
//
// TRADEWISE_EMAIL and TRADEWISE_PASSWORD choose the account it registers (a fresh address
// otherwise); `--json` prints what it did as one JSON object instead of lines of text.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createTradeWiseClient, TradeWiseApiError, unwrap } from '../src/index.ts';

export interface QuickstartOptions {
  baseUrl: string;
  email: string;
  password: string;
  /** Each step's line of text, as it happens. */
  log?: (line: string) => void;
}

export interface QuickstartResult {
  user: { id: string; email: string; tenant_id: string; roles: string[] };
  bot: { id: string; name: string; status: string };
  botNames: string[];
  auditActions: string[];
  /** What the service answered the logged-out token with. */
  afterLogout: { status: number; code: string | undefined };
}

export async function quickstart(options: QuickstartOptions): Promise<QuickstartResult> {
  const log = options.log ?? (() => {});
  const client = createTradeWiseClient({ baseUrl: options.baseUrl });

  // Registration creates a tenant with this user as its admin.
  const user = await unwrap(
    client.POST('/api/v1/auth/register', {
      body: {
        email: options.email,
        password: options.password,
        full_name: 'Quick Start',
        tenant_name: 'Quick Start Trading',
      },
    }),
  );
  log(`registered ${user.email} (user ${user.id}, roles ${user.roles.join(', ')})`);

  const tokens = await unwrap(
    client.POST('/api/v1/auth/token', { body: { username: options.email, password: options.password } }),
  );
  if (!('access_token' in tokens))
    throw new Error('this account has MFA: finish the login with POST /auth/mfa');
  client.setAccessToken(tokens.access_token);
  log(`logged in: a ${tokens.token_type} token for ${tokens.expires_in} s`);

  const bot = await unwrap(
    client.POST('/api/v1/bots', {
      body: { name: 'Grid BTC', kind: 'internal', exchange: 'binance', strategy: 'grid' },
    }),
  );
  log(`created bot ${bot.id} "${bot.name}" (${bot.status})`);

  const bots = await unwrap(client.GET('/api/v1/bots', { params: { query: { limit: 10 } } }));
  log(`bots: ${bots.items.map((item) => item.name).join(', ')}`);

  const audit = await unwrap(client.GET('/api/v1/admin/audit-log', { params: { query: { limit: 10 } } }));
  for (const record of audit.items) log(`audit #${record.seq}: ${record.action} ${record.status}`);

  await unwrap(client.POST('/api/v1/auth/logout'));
  log('logged out');

  // The revoked token is refused at once: the API's error body, read by the client.
  let afterLogout: QuickstartResult['afterLogout'] | undefined;
  try {
    await unwrap(client.GET('/api/v1/users/me'));
  } catch (error) {
    if (!(error instanceof TradeWiseApiError)) throw error;
    afterLogout = { status: error.status, code: error.code };
    log(`the old token now gets ${error.status} ${error.code ?? ''}: ${error.detail}`);
  }
  if (afterLogout === undefined) throw new Error('the logged-out token was still accepted');

  return {
    user: { id: user.id, email: user.email, tenant_id: user.tenant_id, roles: user.roles },
    bot: { id: bot.id, name: bot.name, status: bot.status },
    botNames: bots.items.map((item) => item.name),
    auditActions: audit.items.map((record) => record.action),
    afterLogout,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const json = process.argv.includes('--json');
  try {
    const result = await quickstart({
      baseUrl: process.env.TRADEWISE_URL ?? 'http://127.0.0.1:8000',
      email: process.env.TRADEWISE_EMAIL ?? `quickstart-${randomUUID()}@example.com`,
      password: process.env.TRADEWISE_PASSWORD ?? 'Quick-start-2026!',
      log: json ? undefined : (line) => console.log(line),
    });
    if (json) console.log(JSON.stringify(result));
  } catch (error) {
    console.error(error instanceof TradeWiseApiError ? `API error: ${error.message}` : error);
    process.exitCode = 1;
  }
}
