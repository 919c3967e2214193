/**
 * Runs an image-chat node as a separate process (`node dist/server/main.js`), the way an operator does,
 * so tests can SIGTERM or SIGKILL it. Resolves once it logs that it listens.
 */
import type { ChildProcess } from 'node:child_process';
import { freePort } from './free-port.mjs';
import { spawnServer } from './server-process.mjs';

export interface NodeProcess {
  port: number;
  url: string;
  wsUrl: string;
  child: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** Sends a signal and waits for the exit; resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * @param wrapper a command the node runs under, as an operator might (e.g. `['prlimit', '--nofile=128:128']`);
 *   it must exec the node in place, so `child.pid` is the node's
 */
export async function startNodeProcess(env: Record<string, string>, timeoutMs = 20_000, wrapper: string[] = []): Promise<NodeProcess> {
  if (env.PORT !== undefined) return startOnPort(Number(env.PORT), env, timeoutMs, wrapper);
  // A free port found now may be taken by another test file before the node binds it: then it tries another.
  return startOnPort(await freePort(), env, timeoutMs, wrapper).catch(async (error: unknown) => {
    if (!String(error).includes('is in use')) throw error;
    return startOnPort(await freePort(), env, timeoutMs, wrapper);
  });
}

async function startOnPort(port: number, env: Record<string, string>, timeoutMs: number, wrapper: string[]): Promise<NodeProcess> {
  const child = spawnServer({ port, wrapper, env: { LOG_LEVEL: 'info', NODE_ENV: 'test', ...env } });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started node behind to hold its port and files after the test gave up on it.
      child.kill('SIGKILL');
      reject(new Error(`node did not start in time:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('image-chat listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
