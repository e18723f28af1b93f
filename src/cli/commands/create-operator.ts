// `tradewise create-operator --email <e-mail> [--password-stdin | --password <password>] [--full-name <name>]`
// The only way to grant the `operator` role. Prefer --password-stdin (or the interactive prompt
// when stdin is a terminal): a password in the arguments is visible in `ps` and shell history.
import { createInterface } from 'node:readline';
import { acceptEmail, acceptName, acceptNewPassword } from '../../features/auth/index.ts';
import { createOperator } from '../../features/users/operators.ts';
import { ValidationFailed } from '../../platform/errors.ts';
import type { Command } from '../context.ts';
import { parseArgs, withCliContext } from '../context.ts';

const USAGE =
  'usage: tradewise create-operator --email <e-mail> [--password-stdin | --password <password>] [--full-name <name>]\n';

async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

export const createOperatorCommand: Command = {
  summary: 'create a platform operator (the only way to grant the operator role)',
  run: async (args) => {
    const { options } = parseArgs(args);
    const rawEmail = options.get('email');
    const fromArgs = options.get('password');
    if (
      typeof rawEmail !== 'string' ||
      fromArgs === true ||
      (fromArgs !== undefined && options.has('password-stdin'))
    ) {
      process.stderr.write(USAGE);
      return 64;
    }
    const fullName = options.get('full-name');
    let email: string;
    const password = typeof fromArgs === 'string' ? fromArgs : await readPasswordFromStdin();
    try {
      email = acceptEmail(rawEmail, ['--email']);
      if (typeof fullName === 'string') acceptName(fullName, ['--full-name']);
      acceptNewPassword(password);
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      for (const issue of error.issues) {
        const option = String(issue.loc[0]).startsWith('--') ? `${issue.loc[0]} ` : '';
        process.stderr.write(`tradewise create-operator: ${option}${issue.msg}\n`);
      }
      return 65; // EX_DATAERR
    }
    return withCliContext(async ({ config, db }) => {
      const result = await createOperator(db, {
        email,
        password,
        fullName: typeof fullName === 'string' && fullName.length > 0 ? fullName : 'Platform operator',
        cost: config.passwordHashCost,
      });
      if (result.outcome === 'customer_account') {
        process.stderr.write(
          `tradewise create-operator: ${email} belongs to a customer tenant; operators need their own account\n`,
        );
        return 1;
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
