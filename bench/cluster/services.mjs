/**
 * Private redis-server and PostgreSQL for the cluster benchmark (the same recipe as test/helpers/redis.ts and
 * test/helpers/postgres.ts, in plain JavaScript so the benchmark runs without a TypeScript step).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
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

function pgBin() {
  if (process.env.POSTGRES_BIN) return process.env.POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL server binaries not found: apt-get install -y postgresql');
  return join(root, newest, 'bin');
}

function asPostgres(program, args) {
  const bin = join(pgBin(), program);
  if (userInfo().uid === 0) execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
  else execFileSync(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Starts PostgreSQL on a free port in a temp directory. fsync stays on (unlike the tests): the figures should
 * include a real commit. `stop()` stops it and removes the directory.
 */
export async function startPostgres() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'image-chat-bench-pg-'));
  chmodSync(dir, 0o755);
  if (userInfo().uid === 0) {
    const fields = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))?.split(':');
    if (!fields) throw new Error('no "postgres" user: apt-get install -y postgresql');
    chownSync(dir, Number(fields[2]), Number(fields[3]));
  }
  const data = join(dir, 'data');
  asPostgres('initdb', ['-D', data, '--auth=trust', '--no-sync', '-U', 'postgres', '--encoding=UTF8', '--locale=C']);
  asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100`, 'start']);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try { asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* not running */ }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}
