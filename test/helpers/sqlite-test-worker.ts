/**
 * The SQLite store's worker with test hooks (`store.testHook(name, …)`), for tests that must reach inside the
 * worker: the product's worker (server/store/sqlite-worker.ts) has none. Bundled for the worker by
 * server/store/worker-script.ts like the product's.
 */
import type Database from 'better-sqlite3';
import { serveSqliteStore } from '../../server/store/sqlite-worker-host.js';
import type { SqliteStore } from '../../server/store/sqlite.js';

const connection = (store: SqliteStore): Database.Database => (store as unknown as { db: Database.Database }).db;

serveSqliteStore({
  /** A pragma on the worker's connection (e.g. `max_page_count = N`, to fill the database). */
  pragma: (store, text) => connection(store).pragma(String(text), { simple: true }),
  /** Answers something structured clone refuses (a function). */
  unclonable: () => () => 'not data',
  /** Ends the worker thread at once, as a crash inside it would. */
  exit: (_store, code) => process.exit(Number(code)),
  /**
   * Blocks the worker thread, as a long fsync would, until the main thread stores 1 in `flag` (an Int32Array over a
   * SharedArrayBuffer) and notifies; stores 2 first, so the test knows the worker is held.
   */
  hold: (_store, buffer) => {
    const flag = new Int32Array(buffer as SharedArrayBuffer);
    Atomics.store(flag, 0, 2);
    Atomics.notify(flag, 0);
    while (Atomics.load(flag, 0) !== 1) Atomics.wait(flag, 0, 2);
    return 'released';
  },
});
