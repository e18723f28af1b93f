// `tradewise remove-operator --email <e-mail>`: takes the operator role away, effective at once
// (the user's tokens are refused and sessions ended, on every instance). In the server shape this
// acts on the shared database and Redis while the service runs; the embedded shape's database is
// held by the running process, so stop it first (its revocations are restored when it starts).

import { acceptEmail } from '../../features/auth/index.ts';
import { createRevoker } from '../../features/auth/revocation.service.ts';
import { removeOperator } from '../../features/users/operators.ts';
import { withAfterCommit } from '../../platform/db/after-commit.ts';
import { ValidationFailed } from '../../platform/errors.ts';
import type { Command } from '../context.ts';
import { JSON_OPTION, optionValue, printJson, UsageError, withCliContext } from '../context.ts';

export const removeOperatorCommand: Command = {
  summary: 'take the operator role away from a user (their tokens and sessions end at once)',
  usage: '--email <e-mail> [--json]',
  details: 'Exits 1 for an e-mail that is no operator. In the embedded shape, stop the server first.',
  options: [
    { name: 'email', value: 'e-mail', description: "the operator's login (required)" },
    { ...JSON_OPTION, description: 'print {"email", "user_id", "sessions_ended", "deactivated"} as JSON' },
  ],
  async run(args) {
    const rawEmail = optionValue(args, 'email');
    if (rawEmail === undefined) throw new UsageError('--email is required');
    let email: string;
    try {
      email = acceptEmail(rawEmail, ['--email']);
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      for (const issue of error.issues)
        process.stderr.write(`tradewise remove-operator: --email ${issue.msg}\n`);
      return 65; // EX_DATAERR
    }
    return withCliContext(async ({ config, db, store }) => {
      const revoker = createRevoker({
        store,
        accessTokenLifetimeMs: config.accessTokenExpireMinutes * 60_000,
      });
      const result = await removeOperator(withAfterCommit(db), revoker, email);
      if (result.outcome !== 'removed') {
        const why = result.outcome === 'not_found' ? 'no platform operator account' : 'not an operator:';
        process.stderr.write(`tradewise remove-operator: ${why} ${email}\n`);
        return 1;
      }
      if (args.options.has('json')) {
        printJson({
          email,
          user_id: result.userId,
          sessions_ended: result.sessionsEnded,
          deactivated: result.deactivated,
        });
        return 0;
      }
      const left = result.deactivated ? '; the account had no other role and is deactivated' : '';
      process.stdout.write(
        `operator role removed from ${email} (user ${result.userId}); ${result.sessionsEnded} session(s) ended${left}\n`,
      );
      return 0;
    });
  },
};
