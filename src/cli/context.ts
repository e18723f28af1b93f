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

/** An option a command takes: `--name <value>` when `value` names its value, else a flag. */
export interface OptionSpec {
  name: string;
  value?: string;
  description: string;
}

export interface ParsedArgs {
  options: Map<string, string | true>;
  positional: string[];
}

export interface Command {
  summary: string;
  /** What follows the command's name in its usage line, e.g. `<ip> [--json]`. */
  usage: string;
  /** Listed by `--help`; any other option is a usage error. */
  options: readonly OptionSpec[];
  /** Positional arguments the command takes at most (default none). */
  positional?: number;
  /** More about the command for its `--help`: what it does, exit codes worth knowing. */
  details?: string;
  run(args: ParsedArgs): Promise<number>;
}

/** A usage error (exit 64): the message says what was wrong; main prints the usage after it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The `--json` option of every command whose output is data. */
export const JSON_OPTION: OptionSpec = { name: 'json', description: 'print the result as JSON' };

/** Writes `value` as one JSON line on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** The usage line and the options of `name`, as `--help` prints them. */
export function commandHelp(name: string, command: Command): string {
  const options = [...command.options, HELP_OPTION];
  const flags = options.map((o) =>
    o.name === 'help' ? '-h, --help' : `--${o.name}${o.value ? ` <${o.value}>` : ''}`,
  );
  const width = Math.max(...flags.map((f) => f.length)) + 2;
  const lines = options.map((o, i) => `  ${(flags[i] as string).padEnd(width)}${o.description}`);
  const details = command.details === undefined ? '' : `\n${command.details}\n`;
  return `usage: tradewise ${name} ${command.usage}\n\n${command.summary}\n${details}\noptions:\n${lines.join('\n')}\n`;
}

const HELP_OPTION: OptionSpec = { name: 'help', description: 'show this help and exit' };

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

/**
 * Parses `--name value`, `--name=value` and `--flag` as `specs` declare them; anything else is a
 * UsageError saying what was wrong (an unknown option, a missing value, an extra argument).
 */
export function parseArgs(
  args: readonly string[],
  specs: readonly OptionSpec[],
  maxPositional = 0,
): ParsedArgs {
  const options = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-') || arg === '-') {
      if (positional.length >= maxPositional) throw new UsageError(`unexpected argument "${arg}"`);
      positional.push(arg);
      continue;
    }
    const [flag, inline] = (arg.startsWith('--') ? arg.slice(2) : arg).split(/=(.*)/s, 2) as [
      string,
      string | undefined,
    ];
    const spec = arg.startsWith('--') ? specs.find((s) => s.name === flag) : undefined;
    if (spec === undefined)
      throw new UsageError(`unknown option ${arg.startsWith('--') ? `--${flag}` : arg}`);
    if (options.has(spec.name)) throw new UsageError(`--${spec.name} is given twice`);
    if (spec.value === undefined) {
      if (inline !== undefined) throw new UsageError(`--${spec.name} takes no value`);
      options.set(spec.name, true);
      continue;
    }
    const value = inline ?? args[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--')) || value === '') {
      throw new UsageError(`--${spec.name} needs a value (<${spec.value}>)`);
    }
    if (inline === undefined) i++;
    options.set(spec.name, value);
  }
  return { options, positional };
}

/** The value of a `--name <value>` option (parseArgs made sure it is a string when present). */
export function optionValue(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  return typeof value === 'string' ? value : undefined;
}
