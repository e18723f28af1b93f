// `npm run client:generate`: builds the service in this process (in-memory PGlite and state
// store, the configuration's defaults, nothing listening), reads its OpenAPI document and
// rewrites src/schema.ts from it. test/clients/typescript-client.test.ts renders the same way
// and fails when the committed file differs, so a route or schema change lands with its types.
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { buildApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { migrate } from '../../../src/platform/db/index.ts';
import { createPgliteDatabase } from '../../../src/platform/db/pglite.ts';
import { createMemoryStore } from '../../../src/platform/store/memory.ts';
import { renderSchema } from './render-schema.ts';

/** The committed output. */
export const SCHEMA_FILE = fileURLToPath(new URL('../src/schema.ts', import.meta.url));

/** The document GET /openapi.json serves, from an app built with the default configuration. */
export async function loadOpenApiDocument(): Promise<unknown> {
  // Only the keys are given (fresh ones: they appear nowhere in the document).
  const config = loadConfig({
    SECRET_KEY: randomBytes(32).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DATA_DIR: join(tmpdir(), `tradewise-openapi-${randomUUID()}`),
    LOG_LEVEL: 'silent',
  });
  const db = await createPgliteDatabase({});
  const store = createMemoryStore();
  try {
    await migrate(db);
    const app = await buildApp({ config, db, store, logger: pino({ level: 'silent' }) });
    try {
      await app.ready();
      return app.swagger();
    } finally {
      await app.close();
    }
  } finally {
    await Promise.allSettled([db.close(), store.close()]);
  }
}

/** The text src/schema.ts must hold for the service as it is now. */
export async function generateSchema(): Promise<string> {
  return renderSchema(await loadOpenApiDocument());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(SCHEMA_FILE, await generateSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
