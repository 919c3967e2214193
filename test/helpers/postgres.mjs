/**
 * A private PostgreSQL (Debian's server binaries) for one test suite or benchmark run: initdb into a temp
 * directory, then a postmaster on a free port, run as the `postgres` user (it refuses to run as root). It can
 * be stopped abruptly and started again; `stop()` removes everything, and a last-resort exit hook stops it.
 * Plain JavaScript (typed in postgres.d.mts) so that the benchmarks, which node runs without a build, start
 * PostgreSQL the same way as the tests.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.mjs';

const DEBIAN_ROOT = '/usr/lib/postgresql';

/**
 * The directory of PostgreSQL's server programs (initdb, pg_ctl): POSTGRES_BIN if set, else the newest
 * version under /usr/lib/postgresql (`apt-get install postgresql`), whose programs are not on the PATH.
 */
export function postgresBinaries() {
  if (process.env.POSTGRES_BIN) return process.env.POSTGRES_BIN;
  const versions = existsSync(DEBIAN_ROOT) ? readdirSync(DEBIAN_ROOT).filter((v) => existsSync(join(DEBIAN_ROOT, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`PostgreSQL server binaries not found under ${DEBIAN_ROOT}: apt-get install -y postgresql`);
  return join(DEBIAN_ROOT, newest, 'bin');
}

/** Runs a PostgreSQL program as the `postgres` user (as root), or as ourselves otherwise. */
function runAsPostgres(program, args) {
  const bin = join(postgresBinaries(), program);
  const [command, commandArgs] = userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
}

function postgresIds() {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const fields = line?.split(':');
  if (!fields || fields.length < 4) throw new Error('no "postgres" user: install PostgreSQL (apt-get install -y postgresql)');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/**
 * @param {{ fsync?: boolean, maxConnections?: number }} [options] `fsync` is off by default: tests do not
 *   survive a power cut and run faster without it; a benchmark turns it on so that its figures include a real commit.
 */
export async function startPostgres({ fsync = false, maxConnections = 200 } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'image-chat-pg-'));
  // The postgres user must reach the data directory and the socket directory.
  chmodSync(dir, 0o755);
  if (userInfo().uid === 0) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  runAsPostgres('initdb', ['-D', data, '--auth=trust', '--no-sync', '-U', 'postgres', '--encoding=UTF8', '--locale=C']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${fsync ? '' : ' -c fsync=off'} -c max_connections=${maxConnections}`;
  const start = () => runAsPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  const stopNow = () => {
    try {
      runAsPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Not running.
    }
  };
  start();
  const stopAtExit = () => { stopNow(); rmSync(dir, { recursive: true, force: true }); };
  process.once('exit', stopAtExit);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    url,
    createDatabase: async (name) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    kill: async () => stopNow(),
    restart: async () => start(),
    stop: async () => {
      process.off('exit', stopAtExit);
      stopAtExit();
    },
  };
}
