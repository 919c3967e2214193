/**
 * A private redis-server for one test suite or benchmark run, on a free port, with no persistence. It can be
 * killed (SIGKILL, like a crash) and restarted on the same port. Stopped on `stop()` and, as a last resort, when
 * the process exits. Plain JavaScript (typed in redis.d.mts) so that the benchmarks, which node runs without a
 * build, start Redis the same way as the tests.
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.mjs';
import { exited } from './child-exit.mjs';

const REDIS_BINARY = process.env.REDIS_SERVER ?? 'redis-server';

/**
 * Starts redis-server with `args` (nothing saved to disk: tests start from empty), resolving once it accepts
 * connections; the Redis Cluster helper starts its nodes with this too.
 * @param {string[]} args
 * @returns {Promise<import('node:child_process').ChildProcess>}
 */
export function launchRedisServer(args) {
  const child = spawn(REDIS_BINARY, ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    const onData = (chunk) => {
      output += chunk.toString();
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { output += chunk.toString(); });
    child.once('error', (error) => { clearTimeout(timer); reject(error); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}:\n${output}`)); });
  });
}

const launch = (port) => launchRedisServer(['--port', String(port)]);

/** Starts redis-server on a free port (REDIS_SERVER names another binary). */
export async function startRedis() {
  const port = await freePort();
  let child = await launch(port);
  const killAtExit = () => child.kill('SIGKILL');
  process.once('exit', killAtExit);
  const url = `redis://127.0.0.1:${port}`;
  return {
    port,
    url,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    restart: async () => {
      child = await launch(port);
    },
    command: async (name, ...args) => {
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await client.connect();
        return await client.call(name, ...args);
      } finally {
        client.disconnect();
      }
    },
    stop: async () => {
      process.off('exit', killAtExit);
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}
