// What the bot routes do with a tenant transaction: the rules beyond the schema, sealing the token
// under its row's associated data, and the audit note (field names only, never values).
import { randomUUID } from 'node:crypto';
import type { DataCipher } from '../../platform/crypto/index.ts';
import { DecryptionError } from '../../platform/crypto/index.ts';
import { isoTimestamp } from '../../platform/db/index.ts';
import type { TenantTx } from '../../platform/db/tenant-transaction.ts';
import { ValidationFailed } from '../../platform/errors.ts';
import type { ValidationIssue } from '../../platform/validation.ts';
import { botTokenAad, isUsableToken, tokenIssues } from './bot-token.ts';
import { botNotConnectable, botNotFound, botTokenUnreadable } from './bots.errors.ts';
import type { BotChanges, BotRow } from './bots.repository.ts';
import { findBot, findBotConnection, insertBot, updateBot } from './bots.repository.ts';
import type { BotCreateInput, BotPatchInput, BotUpdateInput, BotView } from './bots.schemas.ts';

/** The response allow-list in code as well as in the schema. */
export function toBotView(row: BotRow): BotView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as BotView['kind'],
    exchange: row.exchange,
    strategy: row.strategy,
    status: row.status as BotView['status'],
    api_url: row.api_url,
    has_api_token: row.has_api_token,
    created_at: isoTimestamp(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
  };
}

/** An external bot without a URL: the database's CHECK would refuse it as an error, not a 422. */
function urlIssues(kind: string, apiUrl: string | null | undefined): ValidationIssue[] {
  if (kind !== 'external' || (apiUrl !== undefined && apiUrl !== null)) return [];
  return [{ loc: ['body', 'api_url'], msg: 'External bots need an API URL', type: 'missing' }];
}

function tokenInputIssues(apiToken: string | null | undefined): ValidationIssue[] {
  return typeof apiToken === 'string' ? tokenIssues(apiToken, ['body', 'api_token']) : [];
}

function refuseIf(issues: ValidationIssue[]): void {
  if (issues.length > 0) throw new ValidationFailed(issues);
}

/** Rules the schema cannot express, checked before any work; a violation is a 422 that changes nothing. */
export function checkBotInput(body: BotCreateInput | BotUpdateInput): void {
  refuseIf([...urlIssues(body.kind, body.api_url), ...tokenInputIssues(body.api_token)]);
}

/** A PATCH's token rules before any work; its kind and api_url are judged with the stored values. */
export function checkBotPatch(body: BotPatchInput): void {
  refuseIf(tokenInputIssues(body.api_token));
}

/** A fresh id, made here because the sealed token's associated data names it before the insert. */
export const newBotId = (): string => randomUUID();

export async function createBot(
  tx: TenantTx,
  cipher: DataCipher,
  input: { id: string; createdBy: string; body: BotCreateInput },
): Promise<BotView> {
  const { id, body } = input;
  const token = body.api_token ?? null;
  const row = await insertBot(tx, {
    id,
    createdBy: input.createdBy,
    name: body.name,
    kind: body.kind,
    exchange: body.exchange,
    strategy: body.strategy,
    apiUrl: body.api_url ?? null,
    apiTokenEncrypted: token === null ? null : cipher.encrypt(token, botTokenAad(tenantOf(tx), id)),
  });
  const fields = Object.keys(body).filter((key) => body[key as keyof BotCreateInput] != null);
  tx.note({ action: 'bot.create', resourceType: 'bot', resourceId: id, fields });
  return toBotView(row);
}

function originOf(url: string | null): string | null {
  if (url === null) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** A bot's replaceable fields, as PUT sends them and as a PATCH leaves them after merging. */
type BotFields = Omit<BotChanges, 'apiTokenEncrypted'>;

const FIELD_COLUMNS = [
  ['name', 'name'],
  ['kind', 'kind'],
  ['exchange', 'exchange'],
  ['strategy', 'strategy'],
  ['status', 'status'],
  ['api_url', 'apiUrl'],
] as const;

/**
 * Writes `next` over the locked `current` row, and the token (`undefined` keeps it, null removes it,
 * a string replaces it); the audit note names the fields that changed. PUT and PATCH both end here,
 * so they share every rule.
 */
async function applyChanges(
  tx: TenantTx,
  cipher: DataCipher,
  current: BotRow,
  next: BotFields,
  token: string | null | undefined,
): Promise<BotView> {
  refuseIf(urlIssues(next.kind, next.apiUrl));
  // The stored token is write-only; moving it to another server without re-entering it would let
  // anyone allowed to edit the bot read it there. A new origin needs the token again.
  if (
    token === undefined &&
    current.has_api_token &&
    next.apiUrl !== null &&
    originOf(next.apiUrl) !== originOf(current.api_url)
  ) {
    throw new ValidationFailed([
      { loc: ['body', 'api_token'], msg: 'API token is required when the API URL changes', type: 'missing' },
    ]);
  }
  const row = await updateBot(tx, current.id, {
    ...next,
    apiTokenEncrypted:
      token === undefined || token === null
        ? token
        : cipher.encrypt(token, botTokenAad(tenantOf(tx), current.id)),
  });
  if (row === undefined) throw botNotFound();
  const changed = FIELD_COLUMNS.filter(([column, field]) => next[field] !== current[column]).map(
    ([column]) => column,
  );
  const fields = token === undefined ? changed : [...changed, 'api_token'];
  tx.note({ action: 'bot.update', resourceType: 'bot', resourceId: current.id, fields });
  return toBotView(row);
}

async function lockedBot(tx: TenantTx, id: string): Promise<BotRow> {
  const current = await findBot(tx, id, { forUpdate: true });
  if (current === undefined) throw botNotFound();
  return current;
}

/** PUT: every field replaced; an omitted api_url becomes null, an omitted api_token is kept. */
export async function replaceBot(
  tx: TenantTx,
  cipher: DataCipher,
  id: string,
  body: BotUpdateInput,
): Promise<BotView> {
  const current = await lockedBot(tx, id);
  const { name, kind, exchange, strategy, status } = body;
  const next = { name, kind, exchange, strategy, status, apiUrl: body.api_url ?? null };
  return applyChanges(tx, cipher, current, next, body.api_token);
}

/** PATCH: only the fields sent change; the others keep their stored values. */
export async function patchBot(
  tx: TenantTx,
  cipher: DataCipher,
  id: string,
  body: BotPatchInput,
): Promise<BotView> {
  const current = await lockedBot(tx, id);
  const next = {
    name: body.name ?? current.name,
    kind: body.kind ?? current.kind,
    exchange: body.exchange ?? current.exchange,
    strategy: body.strategy ?? current.strategy,
    status: body.status ?? current.status,
    apiUrl: body.api_url === undefined ? current.api_url : body.api_url,
  };
  return applyChanges(tx, cipher, current, next, body.api_token);
}

/** The stored URL and the opened token of a bot, for its connection test. */
export async function storedConnection(
  tx: TenantTx,
  cipher: DataCipher,
  id: string,
): Promise<{ url: string; token: string }> {
  const row = await findBotConnection(tx, id);
  if (row === undefined) throw botNotFound();
  if (row.api_url === null || row.api_token_encrypted === null) throw botNotConnectable();
  let token: string;
  try {
    token = cipher.decrypt(row.api_token_encrypted, botTokenAad(tenantOf(tx), id));
  } catch (error) {
    if (error instanceof DecryptionError) throw botTokenUnreadable();
    throw error;
  }
  // A legacy value may hold something a header cannot carry: refuse it like an unreadable one.
  if (!isUsableToken(token)) throw botTokenUnreadable();
  return { url: row.api_url, token };
}

function tenantOf(tx: TenantTx): string {
  if (tx.tenantId === null) throw new TypeError('bot access needs a tenant transaction');
  return tx.tenantId;
}
