import { migrate } from '../../platform/db/index.ts';
import type { Command } from '../context.ts';
import { JSON_OPTION, printJson, withCliContext } from '../context.ts';

export const migrateCommand: Command = {
  summary: 'apply pending migrations and the runtime role grants',
  usage: '[--json]',
  details:
    'Runs as MIGRATION_DATABASE_URL (or DATABASE_URL); the service does the same on every start unless MIGRATE_ON_START=false.',
  options: [{ ...JSON_OPTION, description: 'print {"applied": [...], "warnings": [...]} as JSON' }],
  run: (args) =>
    withCliContext(
      async ({ db }) => {
        const { applied, warnings } = await migrate(db);
        if (args.options.has('json')) {
          printJson({ applied, warnings });
          return 0;
        }
        for (const warning of warnings) process.stderr.write(`tradewise migrate: warning: ${warning}\n`);
        process.stdout.write(
          applied.length === 0 ? 'schema is up to date\n' : `applied: ${applied.join(', ')}\n`,
        );
        return 0;
      },
      { migrate: false },
    ),
};
