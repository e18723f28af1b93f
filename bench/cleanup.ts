// Everything the bench starts registers how to undo it here; `cleanUp` runs the steps newest first,
// once, whether the run ends normally, fails or is interrupted (SIGINT / SIGTERM).
type Step = { name: string; run: () => Promise<void> };
const steps: Step[] = [];
let running: Promise<void> | undefined;

export function onCleanup(name: string, run: () => Promise<void>): void {
  steps.push({ name, run });
}

export function cleanUp(): Promise<void> {
  running ??= (async () => {
    for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        process.stderr.write(`bench: clean-up "${step.name}" failed: ${(error as Error).message}\n`);
      }
    }
  })();
  return running;
}

export function cleanUpOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
}
