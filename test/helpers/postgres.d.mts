/** Types of postgres.mjs (plain JS, so the benchmarks run it without a compiler). */

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
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Off by default (tests); a benchmark turns it on so its figures include a real commit. */
  fsync?: boolean;
  /** 200 by default. */
  maxConnections?: number;
}

/** The directory of PostgreSQL's server programs: POSTGRES_BIN, else the newest under /usr/lib/postgresql. */
export function postgresBinaries(): string;

/** Starts a private PostgreSQL on a free port in a temp directory. */
export function startPostgres(options?: PostgresOptions): Promise<PostgresServer>;
