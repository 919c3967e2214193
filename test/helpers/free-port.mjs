/**
 * A TCP port for a server a test or benchmark starts. Plain JavaScript (typed in free-port.d.mts) so that the
 * benchmarks, which node runs without a build, use the same helper as the TypeScript tests.
 */
import { createServer } from 'node:net';

/** A port on 127.0.0.1 that was free a moment ago (another process may still take it before we listen). */
export function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => done(port));
    });
  });
}
