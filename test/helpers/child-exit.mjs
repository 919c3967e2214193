/**
 * Waiting for and stopping child processes (servers, redis-server, subscriber processes), the same way in the
 * tests and the benchmarks. Plain JavaScript, typed in child-exit.d.mts.
 */

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves when it has exited. The grace lets a
 * server drain and write what it writes on a graceful exit (a CPU profile, for one).
 */
export async function stopChild(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}
