// What a command needs: the validated configuration and the configured storage, opened for the
// length of one command and closed after it.

import type { Config } from '../config.ts';
import { loadConfig } from '../config.ts';
import { MIRRORED_PREFIXES } from '../mirrored-keys.ts';
import type { Database } from '../platform/db/index.ts';
import { assertSchemaCurrent, createDatabase, migrate } from '../platform/db/index.ts';
import { withDevelopmentSecrets } from '../platform/secrets.ts';
import type { StateStore } from '../platform/store/index.ts';
import { createStore } from '../platform/store/index.ts';

export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

export interface CliContext {
  config: Config;
  db: Database;
  store: StateStore;
}

export async function withCliContext<T>(
  work: (context: CliContext) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const config = withDevelopmentSecrets(loadConfig(process.env)).config;
  const db = await createDatabase(config);
  const store = createStore(config, { mirroredPrefixes: MIRRORED_PREFIXES });
  try {
    // Like the service: with MIGRATE_ON_START=false only `tradewise migrate` changes the schema.
    if (options.migrate !== false) {
      if (config.migrateOnStart) await migrate(db);
      else await assertSchemaCurrent(db);
    }
    return await work({ config, db, store });
  } finally {
    await Promise.allSettled([db.close(), store.close()]);
  }
}

/** Parses `--name value` and `--flag` options; positional arguments are returned in order. */
export function parseArgs(args: string[]): { options: Map<string, string | true>; positional: string[] } {
  const options = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg.startsWith('--')) {
      const [key, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      const next = args[i + 1];
      if (inline !== undefined) options.set(key, inline);
      else if (next !== undefined && !next.startsWith('--')) {
        options.set(key, next);
        i++;
      } else options.set(key, true);
    } else positional.push(arg);
  }
  return { options, positional };
}
