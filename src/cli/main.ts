// The operator's command line: `npx tradewise <command> [options]`. Each command lives in its own
// module under src/cli/commands and works offline against the configured storage.
import { ConfigError } from '../config.ts';
import { commands } from './commands/index.ts';

function usage(): string {
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(24)} ${command.summary}`);
  return `usage: tradewise <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 64 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`tradewise: unknown command "${name}"\n\n${usage()}`);
    return 64; // EX_USAGE
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tradewise: configuration error: ${error.message}\n`);
      return 78;
    }
    process.stderr.write(`tradewise ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await run(process.argv.slice(2));
