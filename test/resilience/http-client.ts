// One request on its own connection (no keep-alive), reporting exactly what happened to it: a
// complete response, a refused connection, or a connection that broke before the answer was whole.
import { request } from 'node:http';

export type Sent =
  | { kind: 'response'; status: number; body: string; startedAt: number; endedAt: number }
  | { kind: 'refused'; startedAt: number; endedAt: number }
  | { kind: 'broken'; code: string; startedAt: number; endedAt: number };

export function send(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<Sent> {
  const startedAt = Date.now();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: {
          connection: 'close',
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          const complete = res.complete;
          resolve(
            complete
              ? { kind: 'response', status: res.statusCode ?? 0, body: text, startedAt, endedAt: Date.now() }
              : { kind: 'broken', code: 'incomplete body', startedAt, endedAt: Date.now() },
          );
        });
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ kind: 'broken', code: error.code ?? error.message, startedAt, endedAt: Date.now() }),
        );
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const endedAt = Date.now();
      resolve(
        error.code === 'ECONNREFUSED'
          ? { kind: 'refused', startedAt, endedAt }
          : { kind: 'broken', code: error.code ?? error.message, startedAt, endedAt },
      );
    });
    req.end(payload);
  });
}

/** Logs in over HTTP; the access token. */
export async function tokenFor(url: string, email: string, password: string): Promise<string> {
  const login = await send(`${url}/api/v1/auth/token`, 'POST', { username: email, password });
  if (login.kind !== 'response' || login.status !== 200)
    throw new Error(`login failed: ${JSON.stringify(login)}`);
  return JSON.parse(login.body).access_token as string;
}

/** The names of every bot the token's tenant has, page by page. */
export async function botNames(url: string, token: string): Promise<Set<string>> {
  const names = new Set<string>();
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page = await send(`${url}/api/v1/bots?limit=100${query}`, 'GET', undefined, {
      authorization: `Bearer ${token}`,
    });
    const body = JSON.parse((page as { body: string }).body) as {
      items: { name: string }[];
      next_cursor: string | null;
    };
    for (const bot of body.items) names.add(bot.name);
    cursor = body.next_cursor;
  } while (cursor !== null);
  return names;
}
