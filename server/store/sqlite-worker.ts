/** The SQLite store's worker thread (started by sqlite-worker-store.ts): serves the store, no test hooks. */
import { serveSqliteStore } from './sqlite-worker-host.js';

serveSqliteStore();
