// SQL for bots. Every function takes the tenant transaction first; row-level security scopes it to
// the request's tenant, so another tenant's bot is simply not found. The encrypted token column is
// read only by `findBotConnection`; every other query reports whether a token is set, nothing more.
import type { Tx } from '../../platform/db/index.ts';
import { timestampTextSql } from '../../platform/db/index.ts';
import type { Keyset } from '../../platform/pagination.ts';
import { keysetParams, keysetSql } from '../../platform/pagination.ts';

export interface BotRow {
  id: string;
  name: string;
  kind: string;
  exchange: string;
  strategy: string;
  status: string;
  api_url: string | null;
  has_api_token: boolean;
  /** PostgreSQL's text of the timestamps (timestampTextSql). */
  created_at: string;
  updated_at: string;
}

const { order } = keysetSql('bots', 1);
const COLUMNS = `id, name, kind, exchange, strategy, status, api_url,
  api_token_encrypted IS NOT NULL AS has_api_token, ${timestampTextSql('created_at')},
  ${timestampTextSql('updated_at')}`;

export interface NewBot {
  id: string;
  createdBy: string | null;
  name: string;
  kind: string;
  exchange: string;
  strategy: string;
  apiUrl: string | null;
  apiTokenEncrypted: string | null;
}

export async function insertBot(tx: Tx, bot: NewBot): Promise<BotRow> {
  const { rows } = await tx.query<BotRow>(
    `INSERT INTO bots (id, tenant_id, created_by, name, kind, exchange, strategy, api_url, api_token_encrypted)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING ${COLUMNS}`,
    [
      bot.id,
      tx.tenantId,
      bot.createdBy,
      bot.name,
      bot.kind,
      bot.exchange,
      bot.strategy,
      bot.apiUrl,
      bot.apiTokenEncrypted,
    ],
  );
  return rows[0] as BotRow;
}

/** `forUpdate` locks the row for the rest of the transaction (read-check-write on update). */
export async function findBot(tx: Tx, id: string, options: { forUpdate?: boolean } = {}) {
  const { rows } = await tx.query<BotRow>(
    `SELECT ${COLUMNS} FROM bots WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0];
}

/** What a listing narrows to; every field set must hold (AND), an absent field narrows nothing. */
export interface BotListFilter {
  /** Part of the name, matched ignoring case; every character literal. */
  nameContains?: string;
  kind?: string;
  status?: string;
}

/**
 * `text` as a LIKE pattern that matches exactly itself: `%`, `_` and the escape character `\` each
 * get a `\` before them, so a search for `50%` or `a_b` finds those characters, not any character
 * (PostgreSQL 9.7.1: backslash is LIKE's default escape, named below with ESCAPE all the same).
 */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/**
 * One page in (created_at, id) order, plus one row that says whether another page follows. The
 * filters only remove rows from that order, so a position from any page, filtered or not, is a
 * valid place to continue from.
 */
export async function listBots(
  tx: Tx,
  page: { after: Keyset | undefined; limit: number },
  filter: BotListFilter = {},
): Promise<BotRow[]> {
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions: string[] = [];
  if (filter.nameContains !== undefined) {
    conditions.push(`bots.name ILIKE ${param(`%${likeLiteral(filter.nameContains)}%`)} ESCAPE '\\'`);
  }
  if (filter.kind !== undefined) conditions.push(`bots.kind = ${param(filter.kind)}`);
  if (filter.status !== undefined) conditions.push(`bots.status = ${param(filter.status)}`);
  if (page.after !== undefined) {
    conditions.push(keysetSql('bots', params.length + 1).after);
    params.push(...keysetParams(page.after));
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const { rows } = await tx.query<BotRow>(
    `SELECT ${COLUMNS} FROM bots ${where} ${order} LIMIT ${param(page.limit + 1)}`,
    params,
  );
  return rows;
}

export interface BotChanges {
  name: string;
  kind: string;
  exchange: string;
  strategy: string;
  status: string;
  apiUrl: string | null;
  /** `undefined` keeps the stored token; a string replaces it; null removes it. */
  apiTokenEncrypted: string | null | undefined;
}

export async function updateBot(tx: Tx, id: string, changes: BotChanges): Promise<BotRow | undefined> {
  const keepToken = changes.apiTokenEncrypted === undefined;
  const { rows } = await tx.query<BotRow>(
    `UPDATE bots SET name = $2, kind = $3, exchange = $4, strategy = $5, status = $6, api_url = $7,
       api_token_encrypted = CASE WHEN $8::boolean THEN api_token_encrypted ELSE $9 END, updated_at = now()
     WHERE id = $1
     RETURNING ${COLUMNS}`,
    [
      id,
      changes.name,
      changes.kind,
      changes.exchange,
      changes.strategy,
      changes.status,
      changes.apiUrl,
      keepToken,
      keepToken ? null : changes.apiTokenEncrypted,
    ],
  );
  return rows[0];
}

export async function deleteBot(tx: Tx, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM bots WHERE id = $1', [id]);
  return rowCount > 0;
}

/** A subscription a bot's deletion cancelled, for its audit record. */
export interface CancelledSubscription {
  id: string;
  user_id: string;
}

/**
 * Cancels the active subscriptions of bot `botId` (of every user of the tenant; RLS keeps it to the
 * tenant), as a user's own cancel does, and says which. The bots feature cannot reach the
 * subscriptions feature (which builds on it), so this one statement on its table lives here; the
 * row is the subscriptions feature's, and keeps its meaning: cancelled, with the time.
 */
export async function cancelSubscriptionsOfBot(tx: Tx, botId: string): Promise<CancelledSubscription[]> {
  const { rows } = await tx.query<CancelledSubscription>(
    `WITH cancelled AS (
       UPDATE subscriptions SET status = 'cancelled', cancelled_at = now()
       WHERE bot_id = $1 AND status = 'active'
       RETURNING id, user_id, created_at
     )
     SELECT id, user_id FROM cancelled ORDER BY created_at, id`,
    [botId],
  );
  return rows;
}

export interface BotConnectionRow {
  api_url: string | null;
  api_token_encrypted: string | null;
}

/** The stored URL and sealed token of one bot: the connection test's input, and nothing else. */
export async function findBotConnection(tx: Tx, id: string): Promise<BotConnectionRow | undefined> {
  const { rows } = await tx.query<BotConnectionRow>(
    'SELECT api_url, api_token_encrypted FROM bots WHERE id = $1',
    [id],
  );
  return rows[0];
}
