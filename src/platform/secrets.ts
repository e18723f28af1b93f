// Development secrets: generated once and kept under DATA_DIR (mode 0600), so that a fresh clone
// starts with `npm start` and restarts keep their sessions and encrypted data. Production never
// gets here: loadConfig refuses to start without real secrets.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';

interface StoredSecrets {
  secretKey: string;
  encryptionKey: string;
}

export interface SecretsOutcome {
  config: Config;
  /** Which settings were filled from the file (empty when every secret was set explicitly). */
  fromFile: string[];
  /** Whether the file was written just now (a first start), rather than read from an earlier one. */
  created: boolean;
  file: string;
}

export function withDevelopmentSecrets(config: Config): SecretsOutcome {
  const file = join(config.dataDir, 'secrets.json');
  const fromFile: string[] = [];
  if (config.production || (config.secretKey.length > 0 && config.encryptionKey.length > 0)) {
    return { config, fromFile, created: false, file };
  }
  const { secrets: stored, created } = readOrCreate(file);
  const secretKey = config.secretKey.length > 0 ? config.secretKey : [stored.secretKey];
  const encryptionKey = config.encryptionKey.length > 0 ? config.encryptionKey : [stored.encryptionKey];
  if (config.secretKey.length === 0) fromFile.push('SECRET_KEY');
  if (config.encryptionKey.length === 0) fromFile.push('ENCRYPTION_KEY');
  const next = Object.freeze({
    ...config,
    secretKey: Object.freeze(secretKey),
    encryptionKey: Object.freeze(encryptionKey),
  });
  return { config: next, fromFile, created, file };
}

function readOrCreate(file: string): { secrets: StoredSecrets; created: boolean } {
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredSecrets>;
    if (typeof parsed.secretKey === 'string' && typeof parsed.encryptionKey === 'string') {
      chmodSync(file, 0o600);
      return {
        secrets: { secretKey: parsed.secretKey, encryptionKey: parsed.encryptionKey },
        created: false,
      };
    }
  }
  const secrets: StoredSecrets = {
    secretKey: randomBytes(48).toString('base64url'),
    encryptionKey: randomBytes(32).toString('base64url'),
  };
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { secrets, created: true };
}
