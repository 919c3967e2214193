/**
 * A private PostgreSQL (Debian's server binaries) for one test suite: initdb into a temp directory, then
 * a postmaster on a free port with fsync off, run as the `postgres` user (it refuses to run as root). It can
 * be stopped abruptly and started again; `stop()` removes everything, and a last-resort exit hook stops it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.mjs';

export interface PostgresServer {
  port: number;
  /** URL of the default `postgres` database. */
  url: string;
  /** A new empty database on this server; its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server at once (`-m immediate`: no checkpoint, like a crash). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data (after `kill`). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Debian's server binaries (`apt-get install postgresql`), the newest version installed; POSTGRES_BIN overrides. */
function findBinaries(): string {
  if (process.env.POSTGRES_BIN) return process.env.POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install -y postgresql');
  return join(root, newest, 'bin');
}

const BIN = findBinaries();

/** Runs a PostgreSQL program as the `postgres` user (as root), or as ourselves otherwise. */
function runAsPostgres(program: string, args: string[]): void {
  const asRoot = userInfo().uid === 0;
  const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(BIN, program), ...args]] : [join(BIN, program), args];
  execFileSync(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
}

export async function startPostgres(): Promise<PostgresServer> {
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
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
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

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const fields = line?.split(':');
  if (!fields || fields.length < 4) throw new Error('no "postgres" user: install PostgreSQL (apt-get install -y postgresql)');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}
