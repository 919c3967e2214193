/**
 * A private redis-server for one test suite, on a free port, with no persistence. It can be killed
 * (SIGKILL, like a crash) and restarted on the same port. Stopped on `stop()` and, as a last resort, when
 * the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.mjs';

export interface RedisServer {
  port: number;
  url: string;
  /** Kills the server abruptly (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after `kill`). */
  restart(): Promise<void>;
  /** Runs one command on a fresh connection, e.g. `command('PUBSUB', 'NUMSUB', channel)`. */
  command(name: string, ...args: string[]): Promise<unknown>;
  stop(): Promise<void>;
}

const REDIS_BINARY = process.env.REDIS_SERVER ?? 'redis-server';

function launch(port: number): Promise<ChildProcess> {
  const child = spawn(REDIS_BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.once('error', (error) => { clearTimeout(timer); reject(error); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}:\n${output}`)); });
  });
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

export async function startRedis(): Promise<RedisServer> {
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
