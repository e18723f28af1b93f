// Request and response schemas of the bot routes. Bodies refuse unknown fields (validation.ts), so
// `id`, `tenant_id`, `has_api_token` or (on create) `status` cannot be mass-assigned; the response
// schema is the allow-list of what leaves the service, so the encrypted token column cannot leak.
import type { Static } from 'typebox';
import { Type } from 'typebox';
import { NextCursor, pageQueryFields } from '../../platform/pagination.ts';
import { textRule } from '../../platform/text-rules.ts';

export const BOT_KINDS = ['internal', 'external'] as const;
export const BOT_STATUSES = ['stopped', 'running', 'paused', 'error'] as const;

/** RFC 4122 text form only (ajv's `uuid` format also takes `urn:uuid:`, which PostgreSQL does not). */
export const Uuid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
});

export const IdParams = Type.Object({ id: Uuid });

// Bounds stop oversized values before any work; the token's rules are checked in bot-token.ts so
// that their messages are the seed's.
const ApiUrl = Type.String({ minLength: 1, maxLength: 2048 });
const ApiToken = Type.String({ maxLength: 4096 });

const API_URL_RULE =
  'http or https only; a loopback, private, link-local, metadata or other non-public host (or one ' +
  'that resolves to such an address) is refused unless DEBUG=true (cloud metadata never)';
const API_TOKEN_RULE =
  'write-only (stored encrypted, never returned): 10 to 4096 visible ASCII characters, none of <>&"\'`;';

// name, exchange and strategy are shown to people: no invisible or control characters.
const name = Type.String({ minLength: 1, maxLength: 100, ...textRule('name') });
const kind = Type.Enum(BOT_KINDS, { description: 'an external bot needs an api_url' });
const exchange = Type.String({ minLength: 1, maxLength: 50, ...textRule('name') });
const strategy = Type.String({ minLength: 1, maxLength: 50, ...textRule('name') });
const status = Type.Enum(BOT_STATUSES);

export const BotCreateBody = Type.Object(
  {
    name,
    kind,
    exchange,
    strategy,
    api_url: Type.Optional(
      Type.Union([ApiUrl, Type.Null()], { description: `null or omitted: no URL. ${API_URL_RULE}` }),
    ),
    api_token: Type.Optional(
      Type.Union([ApiToken, Type.Null()], { description: `null or omitted: no token. ${API_TOKEN_RULE}` }),
    ),
  },
  {
    examples: [
      {
        name: 'Momentum BTC',
        kind: 'external',
        exchange: 'binance',
        strategy: 'momentum',
        api_url: 'https://bots.example.com/momentum',
        api_token: 'tok_live_5f2c9a7e1b',
      },
      { name: 'Grid ETH', kind: 'internal', exchange: 'kraken', strategy: 'grid' },
    ],
  },
);

const REPLACED_TOKEN =
  'omitted: the stored token is kept; null: it is removed; a string replaces it. A new api_url origin ' +
  'with a stored token needs the token again';

export const BotUpdateBody = Type.Object(
  {
    name,
    kind,
    exchange,
    strategy,
    status,
    api_url: Type.Optional(
      Type.Union([ApiUrl, Type.Null()], {
        description: `null or omitted: the bot has no URL. ${API_URL_RULE}`,
      }),
    ),
    api_token: Type.Optional(
      Type.Union([ApiToken, Type.Null()], { description: `${REPLACED_TOKEN}. ${API_TOKEN_RULE}` }),
    ),
  },
  {
    description:
      'The full replacement of the bot: every field is required except api_url (omitted: none) and ' +
      'api_token (omitted: kept). To change some fields only, use PATCH.',
    examples: [
      {
        name: 'Momentum BTC',
        kind: 'external',
        exchange: 'binance',
        strategy: 'momentum',
        status: 'running',
        api_url: 'https://bots.example.com/momentum',
      },
    ],
  },
);

export const BotPatchBody = Type.Object(
  {
    name: Type.Optional(name),
    kind: Type.Optional(kind),
    exchange: Type.Optional(exchange),
    strategy: Type.Optional(strategy),
    status: Type.Optional(status),
    api_url: Type.Optional(
      Type.Union([ApiUrl, Type.Null()], { description: `null: the bot has no URL. ${API_URL_RULE}` }),
    ),
    api_token: Type.Optional(
      Type.Union([ApiToken, Type.Null()], { description: `${REPLACED_TOKEN}. ${API_TOKEN_RULE}` }),
    ),
  },
  {
    minProperties: 1,
    description:
      'Only the fields sent change, each validated as in PUT; at least one field. An omitted field ' +
      'keeps its value, null clears api_url or api_token.',
    examples: [{ status: 'paused' }, { api_token: null }],
  },
);

export type BotCreateInput = Static<typeof BotCreateBody>;
export type BotUpdateInput = Static<typeof BotUpdateBody>;
export type BotPatchInput = Static<typeof BotPatchBody>;

export const Bot = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.Enum(BOT_KINDS),
    exchange: Type.String(),
    strategy: Type.String(),
    status: Type.Enum(BOT_STATUSES),
    api_url: Type.Union([Type.String(), Type.Null()]),
    has_api_token: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  {
    examples: [
      {
        id: '0b6f1c3e-8d2a-4f5b-9c7e-2a1d4e6f8b90',
        name: 'Momentum BTC',
        kind: 'external',
        exchange: 'binance',
        strategy: 'momentum',
        status: 'stopped',
        api_url: 'https://bots.example.com/momentum',
        has_api_token: true,
        created_at: '2026-12-03T09:30:00.000Z',
        updated_at: '2026-12-03T09:30:00.000Z',
      },
    ],
  },
);

export type BotView = Static<typeof Bot>;

export const BotList = Type.Object({ items: Type.Array(Bot), next_cursor: NextCursor });

// The list's filters. Unknown parameters are refused: a misspelt filter must be a 422, not a page
// that silently ignores it. `q` obeys the name rule, so a character no name can hold is a 422
// instead of a search that can never match.
export const BotListQuery = Type.Object(
  {
    ...pageQueryFields,
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        ...textRule('name'),
        description:
          'bots whose name contains this text, ignoring case; every character is literal (% and _ are not wildcards)',
      }),
    ),
    kind: Type.Optional(Type.Enum(BOT_KINDS, { description: 'bots of this kind only' })),
    status: Type.Optional(Type.Enum(BOT_STATUSES, { description: 'bots in this status only' })),
  },
  { additionalProperties: false },
);

export const ConnectionTestBody = Type.Object(
  { api_url: ApiUrl, api_token: ApiToken },
  { examples: [{ api_url: 'https://bots.example.com/momentum', api_token: 'tok_live_5f2c9a7e1b' }] },
);

export type ConnectionTestInput = Static<typeof ConnectionTestBody>;

/** Never anything the remote side sent beyond its status code: `error` is a fixed category. */
export const ConnectionTestResult = Type.Object(
  {
    ok: Type.Boolean({ description: 'true when the bot answered 2xx (after at most 3 redirects)' }),
    status_code: Type.Union([Type.Integer(), Type.Null()], {
      description: "the bot's last HTTP status; null when no answer came",
    }),
    latency_ms: Type.Integer(),
    error: Type.Optional(
      Type.String({
        description:
          'why the test did not succeed, a fixed category: dns_failed, connect_timeout, timeout, ' +
          'connection_failed, tls_error, invalid_response, too_many_redirects, response_too_large, ' +
          'redirect_refused (a redirect pointed to a refused target and was not followed)',
      }),
    ),
    detail: Type.Optional(
      Type.String({
        description:
          'with redirect_refused: why the redirect target was refused, in words (never its address)',
      }),
    ),
  },
  {
    description:
      'The outcome of GET api_url with the bearer token: nothing the bot sent beyond its status code.',
  },
);

export type ConnectionTestView = Static<typeof ConnectionTestResult>;
