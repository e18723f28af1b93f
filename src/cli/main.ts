// The operator's command line: `npx tradewise <command> [options]`. Each command lives in its own
// module under src/cli/commands, declares its options (listed by `--help`, the only ones it
// accepts) and works against the configured storage, or the running embedded server's control
// socket for IP blocks. Exit codes: 0 done, 1 failed, 64 usage error, 65 bad data, 78 configuration.
import { ConfigError } from '../config.ts';
import { DataDirLockedError } from '../platform/db/data-dir-lock.ts';
import { commands } from './commands/index.ts';
import type { Command } from './context.ts';
import { commandHelp, parseArgs, UsageError } from './context.ts';
import { PromptInterrupted } from './password-input.ts';

function usage(): string {
  const lines = Object.entries(commands).map(
    ([name, command]) => `  ${name} ${command.usage}\n      ${command.summary}`,
  );
  return [
    'usage: tradewise <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run "tradewise help <command>" or "tradewise <command> --help" for what a command does and its options.',
    'Configuration comes from the same environment variables as the service (DATABASE_URL, DATA_DIR, ...).',
    '',
  ].join('\n');
}

const wantsHelp = (args: readonly string[]) => args.includes('--help') || args.includes('-h');

async function runCommand(name: string, command: Command, args: string[]): Promise<number> {
  if (wantsHelp(args)) {
    process.stdout.write(commandHelp(name, command));
    return 0;
  }
  try {
    return await command.run(parseArgs(args, command.options, command.positional ?? 0));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`tradewise ${name}: ${error.message}\n\n${commandHelp(name, command)}`);
      return 64; // EX_USAGE
    }
    if (error instanceof PromptInterrupted) return 130;
    if (error instanceof ConfigError) {
      process.stderr.write(`tradewise: configuration error: ${error.message}\n`);
      return 78; // EX_CONFIG
    }
    if (error instanceof DataDirLockedError) {
      process.stderr.write(
        `tradewise ${name}: ${error.message} (the running server holds the embedded database)\n`,
      );
      return 1;
    }
    process.stderr.write(`tradewise ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}

async function run(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(`tradewise: no command given\n\n${usage()}`);
    return 64;
  }
  if (name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return 0;
  }
  if (name === 'help') {
    const [topic, ...extra] = args;
    if (topic === undefined) {
      process.stdout.write(usage());
      return 0;
    }
    const command = commands[topic];
    if (command === undefined || extra.length > 0) {
      const why = command === undefined ? `unknown command "${topic}"` : `unexpected argument "${extra[0]}"`;
      process.stderr.write(`tradewise help: ${why}\n\n${usage()}`);
      return 64;
    }
    process.stdout.write(commandHelp(topic, command));
    return 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`tradewise: unknown command "${name}"\n\n${usage()}`);
    return 64; // EX_USAGE
  }
  return runCommand(name, command, args);
}

process.exitCode = await run(process.argv.slice(2));
