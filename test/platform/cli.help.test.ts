// The command line's own conventions, command by command (src/cli/main.ts): `--help` and
// `help <command>` print the usage with every option on stdout and exit 0; a usage error says what
// was wrong, then the usage, on stderr, and exits 64, before any storage is opened.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { commands } from '../../src/cli/commands/index.ts';
import { embeddedRunOnly } from '../helpers/app.ts';
import type { Finished } from '../helpers/process.ts';
import { finished } from '../helpers/process.ts';

// A data directory no run may create: every case here must fail or answer before opening storage.
const dataDir = `/tmp/tradewise-cli-help-${randomUUID()}`;

function cli(args: string[]): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return finished(child);
}

describe('tradewise --help', { skip: embeddedRunOnly }, () => {
  test('lists every command with its options and says how to get a command’s help; exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const run = await cli(args);
      assert.equal(run.code, 0, args.join(' '));
      assert.equal(run.stderr, '');
      for (const [name, command] of Object.entries(commands)) {
        assert.ok(run.stdout.includes(`  ${name} ${command.usage}\n`), `${name} ${command.usage}`);
      }
      assert.match(run.stdout, /tradewise help <command>/);
    }
  });

  test('no command, an unknown command or help for one is a usage error saying which', async () => {
    const none = await cli([]);
    assert.equal(none.code, 64);
    assert.match(none.stderr, /^tradewise: no command given\n\nusage: tradewise <command>/);
    const unknown = await cli(['unblock']);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /^tradewise: unknown command "unblock"\n\nusage: tradewise <command>/);
    const helpUnknown = await cli(['help', 'unblock']);
    assert.equal(helpUnknown.code, 64);
    assert.match(helpUnknown.stderr, /^tradewise help: unknown command "unblock"/);
  });
});

describe('each command', { skip: embeddedRunOnly }, () => {
  for (const [name, command] of Object.entries(commands)) {
    test(`${name}: --help and "help ${name}" print its usage and options on stdout, exit 0`, async () => {
      const [flag, topic] = await Promise.all([cli([name, '--help']), cli(['help', name])]);
      for (const run of [flag, topic]) {
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stderr, '');
        assert.ok(run.stdout.startsWith(`usage: tradewise ${name} ${command.usage}\n`), run.stdout);
        for (const option of command.options) {
          const spelled = `--${option.name}${option.value ? ` <${option.value}>` : ''}`;
          assert.match(run.stdout, new RegExp(`\\n  ${spelled.replace(/[<>]/g, '.')} +\\S`), spelled);
        }
        assert.match(run.stdout, /-h, --help/);
      }
      assert.equal(flag.stdout, topic.stdout);
    });

    test(`${name}: an unknown option says so, then the usage, exit 64`, async () => {
      const run = await cli([name, '--frobnicate']);
      assert.equal(run.code, 64);
      assert.equal(run.stdout, '');
      assert.ok(
        run.stderr.startsWith(`tradewise ${name}: unknown option --frobnicate\n\nusage: tradewise ${name} `),
        run.stderr,
      );
    });
  }

  test('a value-taking option without its value, a flag given a value, an option twice: each said', async () => {
    const cases: [string[], string][] = [
      [['remove-operator', '--email'], 'tradewise remove-operator: --email needs a value (<e-mail>)'],
      [['list-blocked-ips', '--json=yes'], 'tradewise list-blocked-ips: --json takes no value'],
      [['purge', '--json', '--json'], 'tradewise purge: --json is given twice'],
      [['migrate', 'now'], 'tradewise migrate: unexpected argument "now"'],
    ];
    for (const [args, reason] of cases) {
      const run = await cli(args);
      assert.equal(run.code, 64, args.join(' '));
      assert.ok(run.stderr.startsWith(`${reason}\n\nusage: tradewise ${args[0]} `), run.stderr);
    }
  });

  test('unblock-ip says what is wrong with its argument', async () => {
    const bad = await cli(['unblock-ip', 'not-an-ip']);
    assert.equal(bad.code, 64);
    assert.ok(
      bad.stderr.startsWith(
        'tradewise unblock-ip: "not-an-ip" is not an IP address\n\nusage: tradewise unblock-ip <ip>',
      ),
    );
    const missing = await cli(['unblock-ip']);
    assert.equal(missing.code, 64);
    assert.ok(missing.stderr.startsWith('tradewise unblock-ip: no IP address given\n\n'));
    assert.equal(existsSync(dataDir), false, 'no usage error opened the storage');
  });
});

describe('tradewise migrate', { skip: embeddedRunOnly }, () => {
  test('says what it applied, in words or with --json as data', async () => {
    const dir = `/tmp/tradewise-cli-migrate-${randomUUID()}`;
    const run = (args: string[]) =>
      finished(
        spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'migrate', ...args], {
          env: { PATH: process.env.PATH, DATA_DIR: dir, LOG_LEVEL: 'silent' },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
    try {
      const first = await run(['--json']);
      assert.equal(first.code, 0, first.stderr);
      const report = JSON.parse(first.stdout) as { applied: string[]; warnings: string[] };
      assert.ok(
        report.applied.length > 0 && report.applied.every((name) => /^\d{4}_/.test(name)),
        first.stdout,
      );
      assert.deepEqual(report.warnings, []);
      const again = await run([]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, 'schema is up to date\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
