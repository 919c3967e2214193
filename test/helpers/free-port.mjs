/**
 * A TCP port for a server a test or benchmark starts. Plain JavaScript (typed in free-port.d.mts) so that the
 * benchmarks, which node runs without a build, use the same helper as the TypeScript tests.
 *
 * The port is taken below the kernel's ephemeral range (ip_local_port_range, 32768–60999 here): a port the
 * kernel hands out for `listen(0)` is one it also hands to outgoing client sockets, so with many tests
 * connecting in parallel, a node started a second later on it could find it taken (EADDRINUSE). Below that
 * range only servers that choose their port can take it.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 10_000;

/** The first port of the ephemeral range, or Linux's default when it cannot be read. */
function ephemeralStart() {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return start && start > LOWEST + 1000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

const HIGHEST = ephemeralStart() - 1;

/** Resolves true when `port` could be listened on at 127.0.0.1 just now. */
function canListen(port) {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}

/** A port on 127.0.0.1, below the ephemeral range, that was free a moment ago. */
export async function freePort() {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found between ${LOWEST} and ${HIGHEST}`);
}

/**
 * A port on 127.0.0.1 that was free a moment ago together with `port + offset` (a Redis Cluster node needs its
 * port and its cluster-bus port, port + 10000), both below the ephemeral range.
 */
export async function freePortPair(offset) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - offset - LOWEST + 1));
    if (await canListen(port) && await canListen(port + offset)) return port;
  }
  throw new Error(`no free port pair (+${offset}) found between ${LOWEST} and ${HIGHEST}`);
}
