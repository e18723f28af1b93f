// One configuration schema for the whole service. Each setting names its environment variable,
// its default and its parser; the Config type is derived from this table, so there is no second
// hand-written copy. A bad value stops start-up with a message naming the variable.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import {
  decodeEncryptionKey,
  KeyConfigurationError,
  keyWeakness,
  parseEncryptionKeys,
  parseSecretKeys,
} from './platform/crypto/index.ts';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

interface Setting<T> {
  env: string;
  parse(raw: string | undefined, env: string): T;
}

function setting<T>(env: string, parse: (raw: string | undefined, env: string) => T): Setting<T> {
  return { env, parse };
}

function integer(env: string, fallback: number, min: number, max: number): Setting<number> {
  return setting(env, (raw) => {
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw new ConfigError(env, `must be a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new ConfigError(env, `must be between ${min} and ${max}`);
    return value;
  });
}

function boolean(env: string, fallback: boolean): Setting<boolean> {
  return setting(env, (raw) => {
    if (raw === undefined || raw === '') return fallback;
    const v = raw.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    throw new ConfigError(env, `must be true or false, got "${raw}"`);
  });
}

function text(env: string, fallback?: string): Setting<string | undefined> {
  return setting(env, (raw) => (raw === undefined || raw === '' ? fallback : raw));
}

function list(env: string, fallback: string[]): Setting<readonly string[]> {
  return setting(env, (raw) => {
    if (raw === undefined || raw.trim() === '') return fallback;
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  });
}

function url(env: string, protocols: string[]): Setting<string | undefined> {
  return setting(env, (raw) => {
    if (raw === undefined || raw === '') return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(env, 'must be a URL');
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(env, `must use ${protocols.join(' or ')}`);
    }
    return raw;
  });
}

export interface RateLimit {
  limit: number;
  windowMs: number;
}

const RATE_UNITS: Record<string, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** Parses the seed's `5/minute` notation (also `5/second`, `5/hour`, `5/day`). */
function rate(env: string, fallback: string): Setting<RateLimit> {
  return setting(env, (raw) => {
    const value = raw === undefined || raw === '' ? fallback : raw;
    const match = /^\s*(\d+)\s*\/\s*(second|minute|hour|day)s?\s*$/.exec(value);
    if (!match) throw new ConfigError(env, `must look like "5/minute", got "${value}"`);
    const limit = Number(match[1]);
    if (limit < 1 || limit > 1_000_000_000) throw new ConfigError(env, 'limit must be at least 1');
    return { limit, windowMs: RATE_UNITS[match[2] as string] as number };
  });
}

/** `host:port` pairs (Redis Sentinel or Cluster seed nodes). */
function hostPorts(env: string): Setting<readonly { host: string; port: number }[]> {
  return setting(env, (raw) =>
    list(env, [])
      .parse(raw, env)
      .map((item) => {
        const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item);
        const port = Number(match?.[2]);
        if (match === null || port < 1 || port > 65535) {
          throw new ConfigError(env, `"${item}" is not host:port`);
        }
        return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
      }),
  );
}

function cidrList(env: string): Setting<readonly string[]> {
  return setting(env, (raw) => {
    const items = list(env, []).parse(raw, env);
    for (const item of items) {
      const [address, bits, extra] = item.split('/');
      const family = isIP(address ?? '');
      const maxBits = family === 6 ? 128 : 32;
      const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
      if (family === 0 || !bitsOk || extra !== undefined) {
        throw new ConfigError(env, `"${item}" is not an IP address or CIDR`);
      }
    }
    return items;
  });
}

// CONTRACT.md: `production`, `development`, `test` or unset, nothing else. A near miss
// (`Production`, `'production '`) used to run development mode: no HTTPS, no HSTS, generated secrets.
const NODE_ENVS = ['production', 'development', 'test'] as const;

const schema = {
  nodeEnv: setting('NODE_ENV', (raw, env): (typeof NODE_ENVS)[number] => {
    if (raw === undefined || raw === '') return 'development';
    const value = NODE_ENVS.find((name) => name === raw);
    if (value === undefined) {
      throw new ConfigError(
        env,
        `must be exactly production, development or test (or unset), got ${JSON.stringify(raw)}`,
      );
    }
    return value;
  }),
  port: integer('PORT', 8000, 0, 65535),
  host: text('HOST', '127.0.0.1'),
  debug: boolean('DEBUG', false),
  logLevel: setting('LOG_LEVEL', (raw, env) => {
    const value = raw === undefined || raw === '' ? 'info' : raw;
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(value)) {
      throw new ConfigError(env, `unknown level "${value}"`);
    }
    return value;
  }),
  secretKey: list('SECRET_KEY', []),
  accessTokenExpireMinutes: integer('ACCESS_TOKEN_EXPIRE_MINUTES', 60, 1, 24 * 60),
  refreshTokenExpireDays: integer('REFRESH_TOKEN_EXPIRE_DAYS', 30, 1, 365),
  refreshReuseGraceSeconds: integer('REFRESH_REUSE_GRACE_SECONDS', 10, 0, 120),
  encryptionKey: list('ENCRYPTION_KEY', []),
  passwordHashCost: integer('PASSWORD_HASH_COST', 12, 4, 15),
  databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
  migrationDatabaseUrl: url('MIGRATION_DATABASE_URL', ['postgres:', 'postgresql:']),
  migrateOnStart: boolean('MIGRATE_ON_START', true),
  databasePoolSize: integer('DATABASE_POOL_SIZE', 10, 1, 500),
  dataDir: setting('DATA_DIR', (raw) => resolve(raw === undefined || raw === '' ? './data' : raw)),
  redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
  redisSentinels: hostPorts('REDIS_SENTINELS'),
  redisSentinelName: text('REDIS_SENTINEL_NAME'),
  redisClusterNodes: hostPorts('REDIS_CLUSTER_NODES'),
  redisPassword: text('REDIS_PASSWORD'),
  redisKeyPrefix: text('REDIS_KEY_PREFIX', 'tw:'),
  corsOrigins: list('CORS_ORIGINS', ['https://app.tradewise.com', 'https://tradewise.com']),
  trustedProxies: cidrList('TRUSTED_PROXIES'),
  loginRateLimit: rate('LOGIN_RATE_LIMIT', '5/minute'),
  testConnectionRateLimit: rate('TEST_CONNECTION_RATE_LIMIT', '10/minute'),
  registerRateLimit: rate('REGISTER_RATE_LIMIT', '10/hour'),
  refreshRateLimit: rate('REFRESH_RATE_LIMIT', '30/minute'),
  tenantTestConnectionRateLimit: rate('TENANT_TEST_CONNECTION_RATE_LIMIT', '60/minute'),
  bruteForceMaxAttempts: integer('BRUTE_FORCE_MAX_ATTEMPTS', 5, 1, 1_000_000_000),
  bruteForceWindowSeconds: integer('BRUTE_FORCE_WINDOW_SECONDS', 300, 1, 86_400),
  ipBlockSeconds: integer('IP_BLOCK_SECONDS', 3600, 1, 30 * 86_400),
  suspiciousApiCallsPerMinute: integer('SUSPICIOUS_API_CALLS_PER_MINUTE', 100, 1, 1_000_000_000),
  userRateLimitSeconds: integer('USER_RATE_LIMIT_SECONDS', 300, 1, 86_400),
  // The flood rule's window (CONTRACT.md: "within a minute"); 0 stores every event as a row of its
  // own (the test suite, whose requests share one address, and tests of what a single event stores).
  securityEventFoldSeconds: integer('SECURITY_EVENT_FOLD_SECONDS', 60, 0, 3_600),
  alertWebhookUrl: url('ALERT_WEBHOOK_URL', ['http:', 'https:']),
  alertWebhookSecret: text('ALERT_WEBHOOK_SECRET'),
  metricsToken: text('METRICS_TOKEN'),
  auditRetentionDays: integer('AUDIT_RETENTION_DAYS', 365, 1, 36_500),
  bodyLimitBytes: integer('BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
  tlsCertFile: text('TLS_CERT_FILE'),
  tlsKeyFile: text('TLS_KEY_FILE'),
  shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
  workers: integer('WORKERS', 1, 1, 64),
};

type Schema = typeof schema;

/** Every environment variable the configuration reads, with its setting's name in `Config`. */
export const CONFIG_VARIABLES: Readonly<Record<string, keyof Schema>> = Object.freeze(
  Object.fromEntries(Object.entries(schema).map(([key, item]) => [item.env, key as keyof Schema])),
);
type Values = { [K in keyof Schema]: ReturnType<Schema[K]['parse']> };

/** At least as long as SECRET_KEY must be: the bearer secrets production takes (METRICS_TOKEN…). */
const MIN_SECRET_BYTES = 32;

/** Every secret setting, each key of a list on its own as bytes (undefined: an ENCRYPTION_KEY that does not decode). */
function secretKeys(config: Values): [string, readonly (Uint8Array | undefined)[]][] {
  const secrets: [string, readonly (Uint8Array | undefined)[]][] = [
    ['SECRET_KEY', config.secretKey.map((key) => Buffer.from(key, 'utf8'))],
    ['ENCRYPTION_KEY', config.encryptionKey.map(decodeEncryptionKey)],
  ];
  for (const [variable, value] of [
    ['METRICS_TOKEN', config.metricsToken],
    ['ALERT_WEBHOOK_SECRET', config.alertWebhookSecret],
  ] as const) {
    if (value !== undefined) secrets.push([variable, [Buffer.from(value, 'utf8')]]);
  }
  return secrets;
}

/**
 * What production refuses in each key (CONTRACT.md: short, repetitive or all zero), naming the
 * variable and the key's position, never its content. An ENCRYPTION_KEY's length is checked when
 * it is parsed; every other secret must be at least MIN_SECRET_BYTES long.
 */
function weakKeys(config: Values): { variable: string; problem: string }[] {
  const problems: { variable: string; problem: string }[] = [];
  for (const [variable, keys] of secretKeys(config)) {
    keys.forEach((key, i) => {
      let weakness: string | undefined;
      if (key === undefined) weakness = 'cannot be decoded';
      else if (variable !== 'ENCRYPTION_KEY' && key.length < MIN_SECRET_BYTES) {
        weakness = `is shorter than ${MIN_SECRET_BYTES} bytes`;
      } else weakness = keyWeakness(key);
      if (weakness !== undefined) {
        problems.push({ variable, problem: `${keys.length > 1 ? `key ${i + 1} ` : ''}${weakness}` });
      }
    });
  }
  return problems;
}

/** Production refuses a weak key (see weakKeys). Runs after the keys were parsed, so every ENCRYPTION_KEY entry decodes. */
function refuseWeakSecrets(config: Values): void {
  for (const [variable, value] of [
    ['METRICS_TOKEN', config.metricsToken],
    ['ALERT_WEBHOOK_SECRET', config.alertWebhookSecret],
  ] as const) {
    if (value !== undefined && Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES) {
      throw new ConfigError(variable, `must be at least ${MIN_SECRET_BYTES} bytes in production`);
    }
  }
  const [weak] = weakKeys(config);
  if (weak !== undefined) {
    throw new ConfigError(
      weak.variable,
      `${weak.problem}; production needs a generated key (e.g. \`openssl rand -base64 32\`)`,
    );
  }
}

/**
 * Outside production the same rule warns instead of refusing (`SECRET_KEY=short` starts, and says
 * that production would not): one line per weak key, naming the variable, never the key.
 */
export function weakSecretWarnings(config: Config): { variable: string; message: string }[] {
  if (config.production) return [];
  return weakKeys(config).map(({ variable, problem }) => ({
    variable,
    message: `${variable} ${problem}; production would refuse it (generate one, e.g. \`openssl rand -base64 32\`)`,
  }));
}

export type Config = Readonly<{ [K in keyof Schema]: ReturnType<Schema[K]['parse']> }> & {
  readonly production: boolean;
};

/**
 * Reads every setting from `env`, validates it and returns a frozen Config. Production refuses
 * weak or missing secrets; generating development secrets is the caller's job (see secrets.ts),
 * and happens only outside production.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(schema) as [string, Setting<unknown>][]) {
    values[key] = item.parse(env[item.env], item.env);
  }
  const config = values as Values;
  const production = config.nodeEnv === 'production';

  if (production) {
    if (config.secretKey.length === 0) throw new ConfigError('SECRET_KEY', 'is required in production');
    for (const key of config.secretKey) {
      if (Buffer.byteLength(key, 'utf8') < 32) {
        throw new ConfigError('SECRET_KEY', 'every key must be at least 32 bytes in production');
      }
    }
    if (config.encryptionKey.length === 0) {
      throw new ConfigError('ENCRYPTION_KEY', 'is required in production');
    }
    if (config.passwordHashCost < 12) {
      throw new ConfigError('PASSWORD_HASH_COST', 'must be at least 12 in production');
    }
  }
  for (const [variable, keys, parse] of [
    ['SECRET_KEY', config.secretKey, parseSecretKeys],
    ['ENCRYPTION_KEY', config.encryptionKey, parseEncryptionKeys],
  ] as const) {
    if (keys.length === 0) continue;
    try {
      parse(keys);
    } catch (error) {
      if (error instanceof KeyConfigurationError) {
        throw new ConfigError(variable, error.message.slice(`${variable}: `.length));
      }
      throw error;
    }
  }
  if (production) refuseWeakSecrets(config);
  const redisChoices = [
    config.redisUrl !== undefined && 'REDIS_URL',
    config.redisSentinels.length > 0 && 'REDIS_SENTINELS',
    config.redisClusterNodes.length > 0 && 'REDIS_CLUSTER_NODES',
  ].filter((name): name is string => name !== false);
  if (redisChoices.length > 1) {
    throw new ConfigError(redisChoices[1] as string, `set only one of ${redisChoices.join(', ')}`);
  }
  if (config.redisSentinels.length > 0 !== (config.redisSentinelName !== undefined)) {
    throw new ConfigError('REDIS_SENTINEL_NAME', 'REDIS_SENTINELS and REDIS_SENTINEL_NAME go together');
  }
  if (config.redisPassword !== undefined && redisChoices[0] === 'REDIS_URL') {
    throw new ConfigError(
      'REDIS_PASSWORD',
      'is for Sentinel or Cluster; a REDIS_URL carries its own password',
    );
  }
  // The store's keys carry Redis Cluster hash tags; a brace in the prefix would become the tag.
  if (/[{}]/.test(config.redisKeyPrefix ?? '')) {
    throw new ConfigError('REDIS_KEY_PREFIX', 'must not contain { or } (they are Redis Cluster hash tags)');
  }
  if (config.migrationDatabaseUrl !== undefined && config.databaseUrl === undefined) {
    throw new ConfigError('MIGRATION_DATABASE_URL', 'needs DATABASE_URL (the runtime login role) as well');
  }
  if (config.workers > 1 && (config.databaseUrl === undefined || redisChoices.length === 0)) {
    // Workers share nothing but the database and the state store; the embedded shape has neither.
    throw new ConfigError(
      'WORKERS',
      'more than one worker needs DATABASE_URL and a Redis (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES)',
    );
  }
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
    throw new ConfigError('TLS_CERT_FILE', 'TLS_CERT_FILE and TLS_KEY_FILE go together');
  }
  // The seed's CORS rule: with DEBUG the development console's origin is allowed as well.
  const corsOrigins = config.debug
    ? [...new Set([...config.corsOrigins, 'http://localhost:8080'])]
    : config.corsOrigins;

  return Object.freeze({
    ...config,
    corsOrigins: Object.freeze(corsOrigins),
    secretKey: Object.freeze([...config.secretKey]),
    encryptionKey: Object.freeze([...config.encryptionKey]),
    trustedProxies: Object.freeze([...config.trustedProxies]),
    redisSentinels: Object.freeze([...config.redisSentinels]),
    redisClusterNodes: Object.freeze([...config.redisClusterNodes]),
    production,
  });
}
