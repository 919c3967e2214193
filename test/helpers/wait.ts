/**
 * Polling until something is true, for tests that wait on a real server, socket or process. The one helper
 * of its kind: a failure names what was awaited.
 * @example
 * await until(() => server.gateway.connectionCount === 1, 'the dead socket to be dropped');
 */
export async function until(condition: () => boolean | Promise<boolean>, what = 'a condition', timeoutMs = 10_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
