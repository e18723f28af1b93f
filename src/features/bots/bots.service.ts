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
import type { BotRow } from './bots.repository.ts';
import { findBot, findBotConnection, insertBot, updateBot } from './bots.repository.ts';
import type { BotCreateInput, BotUpdateInput, BotView } from './bots.schemas.ts';

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

/** Rules the schema cannot express; a violation is a 422 that changes nothing. */
export function checkBotInput(body: BotCreateInput | BotUpdateInput): void {
  const issues: ValidationIssue[] = [];
  if (body.kind === 'external' && (body.api_url === undefined || body.api_url === null)) {
    issues.push({ loc: ['body', 'api_url'], msg: 'External bots need an API URL', type: 'missing' });
  }
  if (typeof body.api_token === 'string') issues.push(...tokenIssues(body.api_token, ['body', 'api_token']));
  if (issues.length > 0) throw new ValidationFailed(issues);
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

export async function replaceBot(
  tx: TenantTx,
  cipher: DataCipher,
  id: string,
  body: BotUpdateInput,
): Promise<BotView> {
  const current = await findBot(tx, id, { forUpdate: true });
  if (current === undefined) throw botNotFound();
  const apiUrl = body.api_url ?? null;
  // The stored token is write-only; moving it to another server without re-entering it would let
  // anyone allowed to edit the bot read it there. A new origin needs the token again.
  if (
    body.api_token === undefined &&
    current.has_api_token &&
    apiUrl !== null &&
    originOf(apiUrl) !== originOf(current.api_url)
  ) {
    throw new ValidationFailed([
      { loc: ['body', 'api_token'], msg: 'API token is required when the API URL changes', type: 'missing' },
    ]);
  }
  const token = body.api_token;
  const row = await updateBot(tx, id, {
    name: body.name,
    kind: body.kind,
    exchange: body.exchange,
    strategy: body.strategy,
    status: body.status,
    apiUrl,
    apiTokenEncrypted:
      token === undefined || token === null ? token : cipher.encrypt(token, botTokenAad(tenantOf(tx), id)),
  });
  if (row === undefined) throw botNotFound();
  const changed = (['name', 'kind', 'exchange', 'strategy', 'status', 'api_url'] as const).filter(
    (key) => (key === 'api_url' ? apiUrl : body[key]) !== current[key],
  );
  const fields = token === undefined ? changed : [...changed, 'api_token'];
  tx.note({ action: 'bot.update', resourceType: 'bot', resourceId: id, fields });
  return toBotView(row);
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
