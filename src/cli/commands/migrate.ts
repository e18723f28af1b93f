import { migrate } from '../../platform/db/index.ts';
import type { Command } from '../context.ts';
import { withCliContext } from '../context.ts';

export const migrateCommand: Command = {
  summary:
    'apply pending migrations and the runtime role grants, as MIGRATION_DATABASE_URL (or DATABASE_URL); on every start too unless MIGRATE_ON_START=false',
  run: () =>
    withCliContext(
      async ({ db }) => {
        const { applied, warnings } = await migrate(db);
        for (const warning of warnings) process.stderr.write(`tradewise migrate: warning: ${warning}\n`);
        process.stdout.write(
          applied.length === 0 ? 'schema is up to date\n' : `applied: ${applied.join(', ')}\n`,
        );
        return 0;
      },
      { migrate: false },
    ),
};
