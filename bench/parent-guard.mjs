// Preloaded into every process the bench starts: when the bench dies without cleaning up (SIGKILL,
// crash), its IPC channel closes and the child shuts itself down instead of living on.
if (process.channel !== undefined) {
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep the child alive by itself.
  process.channel.unref();
}

// A bench that measures retained memory (the flood phase) starts the child with --expose-gc and
// asks for a full collection before each reading, so that garbage not yet collected does not pass
// for growth.
if (process.channel !== undefined && typeof globalThis.gc === 'function') {
  process.on('message', (message) => {
    if (message?.type !== 'tradewise-bench-gc') return;
    globalThis.gc();
    process.send?.({ type: 'tradewise-bench-gc-done' });
  });
}
