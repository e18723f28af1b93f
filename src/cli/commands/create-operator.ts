// `tradewise create-operator --email <e-mail> [--password-stdin] [--full-name <name>] [--json]`
// The only way to grant the `operator` role. The password is typed at a prompt that does not echo
// (stdin a terminal), or piped with --password-stdin. `--password <p>` still works for the scripts
// written against earlier releases, with a warning, as `docker login -p` does: `ps`, the shell
// history and process accounting keep the arguments.
import { acceptEmail, acceptName, acceptNewPassword } from '../../features/auth/index.ts';
import { createOperator } from '../../features/users/operators.ts';
import { ValidationFailed } from '../../platform/errors.ts';
import type { Command } from '../context.ts';
import { JSON_OPTION, optionValue, printJson, UsageError, withCliContext } from '../context.ts';
import { promptHidden, readFirstLine } from '../password-input.ts';

async function readPassword(fromStdin: boolean, inArguments: string | undefined): Promise<string> {
  if (inArguments !== undefined) {
    process.stderr.write(
      'tradewise create-operator: warning: a password in the arguments is visible in ps and the shell ' +
        'history; prefer the prompt or --password-stdin\n',
    );
    return inArguments;
  }
  if (process.stdin.isTTY) {
    const password = await promptHidden('password: ');
    if (password === '') throw new UsageError('no password typed');
    if ((await promptHidden('password (again): ')) !== password) throw new UsageError('the passwords differ');
    return password;
  }
  if (!fromStdin) {
    throw new UsageError(
      'no password: stdin is not a terminal to prompt on; pipe the password in with --password-stdin',
    );
  }
  const password = await readFirstLine(process.stdin);
  if (password === '') throw new UsageError('--password-stdin: stdin held no password (an empty first line)');
  return password;
}

export const createOperatorCommand: Command = {
  summary: 'create a platform operator (the only way to grant the operator role)',
  usage: '--email <e-mail> [--password-stdin] [--full-name <name>] [--json]',
  details:
    'Without --password-stdin the password is asked for at a prompt that does not echo (twice).\nThe password policy of registration applies; a refused e-mail, name or password exits 65.',
  options: [
    { name: 'email', value: 'e-mail', description: "the operator's login (required)" },
    {
      name: 'password-stdin',
      description: 'read the password from the first line of stdin (for scripts: printf "%s\\n" "$PW" | ...)',
    },
    {
      name: 'full-name',
      value: 'name',
      description: 'shown in the audit trail (default "Platform operator")',
    },
    {
      name: 'password',
      value: 'password',
      description: 'the password itself: insecure (ps and the shell history keep it), kept for older scripts',
    },
    { ...JSON_OPTION, description: 'print {"outcome", "email", "user_id"} as JSON' },
  ],
  async run(args) {
    const rawEmail = optionValue(args, 'email');
    if (rawEmail === undefined) throw new UsageError('--email is required');
    const fullName = optionValue(args, 'full-name');
    let email: string;
    try {
      email = acceptEmail(rawEmail, ['--email']);
      if (fullName !== undefined) acceptName(fullName, ['--full-name']);
    } catch (error) {
      return reportInvalid(error);
    }
    const password = await readPassword(args.options.has('password-stdin'), optionValue(args, 'password'));
    try {
      acceptNewPassword(password);
    } catch (error) {
      return reportInvalid(error);
    }
    return withCliContext(async ({ config, db }) => {
      const result = await createOperator(db, {
        email,
        password,
        fullName: fullName ?? 'Platform operator',
        cost: config.passwordHashCost,
      });
      if (result.outcome === 'customer_account') {
        process.stderr.write(
          `tradewise create-operator: ${email} belongs to a customer tenant; operators need their own account\n`,
        );
        return 1;
      }
      if (args.options.has('json')) {
        printJson({ outcome: result.outcome, email, user_id: result.userId });
        return 0;
      }
      const said = {
        created: 'created operator',
        promoted: 'granted operator to',
        unchanged: 'already an operator:',
      };
      process.stdout.write(`${said[result.outcome]} ${email} (user ${result.userId})\n`);
      return 0;
    });
  },
};

/** Prints each refused value's reason (never the value itself) and exits 65 (EX_DATAERR). */
function reportInvalid(error: unknown): number {
  if (!(error instanceof ValidationFailed)) throw error;
  for (const issue of error.issues) {
    const option = String(issue.loc[0]).startsWith('--') ? `${issue.loc[0]} ` : 'password: ';
    process.stderr.write(`tradewise create-operator: ${option}${issue.msg}\n`);
  }
  return 65;
}
