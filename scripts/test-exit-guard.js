// Loaded into every test file's process by run-tests.js. A file whose tests have all finished but
// whose process stays alive (a pool, a Redis client or a server left open) would otherwise hold its
// slot in the runner for ever and the whole run with it. Here it fails instead, naming what is open.
import { after } from 'node:test';

const GRACE_MS = Number(process.env.TEST_EXIT_GRACE_MS ?? 30_000);

// NODE_TEST_CONTEXT is set in the processes the runner starts for each file, not in the runner.
if (process.env.NODE_TEST_CONTEXT) {
  after(() => {
    setTimeout(() => {
      const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap');
      process.stderr.write(
        `${process.argv[1]}: still running ${GRACE_MS / 1000} s after its last test; open: ${open.join(', ')}\n`,
      );
      process.exit(1);
    }, GRACE_MS).unref();
  });
}
