// Preloaded into every process the bench starts: when the bench dies without cleaning up (SIGKILL,
// crash), its IPC channel closes and the child shuts itself down instead of living on.
if (process.channel !== undefined) {
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep the child alive by itself.
  process.channel.unref();
}
