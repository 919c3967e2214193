/**
 * Private redis-server for the cluster benchmark (the same recipe as test/helpers/redis.ts, in plain JavaScript
 * so the benchmark runs without a TypeScript step).
 */
import { spawn } from 'node:child_process';
import { freePort } from '../../test/helpers/free-port.mjs';

/** Starts redis-server on a free port; `stop()` kills it. */
export async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((done, fail) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (/ready to accept connections/i.test(output)) done();
    });
    child.once('exit', (code) => fail(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  child.stdout.resume();
  return { url: `redis://127.0.0.1:${port}`, child, stop: () => child.kill('SIGKILL') };
}
