import { migrate } from '../../platform/db/index.ts';
import type { Command } from '../context.ts';
import { withCliContext } from '../context.ts';

export const migrateCommand: Command = {
  summary: 'apply pending database migrations (also done on every start)',
  run: () =>
    withCliContext(
      async ({ db }) => {
        const { applied } = await migrate(db);
        process.stdout.write(
          applied.length === 0 ? 'schema is up to date\n' : `applied: ${applied.join(', ')}\n`,
        );
        return 0;
      },
      { migrate: false },
    ),
};
