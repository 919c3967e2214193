/**
 * The messages between the main thread's SqliteWorkerStore and the worker that owns the SQLite database
 * (sqlite-worker-host.ts). Every Store call is one `call` and one `result`; a write's planner runs on the main
 * thread, asked over a port of its own while the worker holds the write transaction open.
 */
import type { MessagePort } from 'node:worker_threads';
import type { WritePlan, WriteContext } from '../core/write-plan.js';
import type { Store } from './types.js';
import type { WireError } from './sqlite-worker-errors.js';

/** What the worker is started with (`workerData`). */
export interface SqliteWorkerData {
  /** The database file, or ":memory:". */
  path: string;
  eventLogKeep: number;
  /** Four bytes the main thread bumps (and notifies) after it answers a planner request. */
  planSignal: SharedArrayBuffer;
  /** The worker's end of the planner channel (transferred): requests go out and answers come back here. */
  planPort: MessagePort;
}

/** Store methods whose arguments and answers are plain data, forwarded as they are. */
export type PlainMethod = Exclude<keyof Store, 'write' | 'getOrCreateSetting'>;

/** The worker's own commands beside the Store's: none in the product; a test worker adds its hooks. */
export type CallMethod = keyof Store | `test:${string}`;

/** Main thread to worker. `getOrCreateSetting` carries the value made on the main thread, never a function. */
export interface CallMessage {
  id: number;
  method: CallMethod;
  args: unknown[];
}

/** Worker to main thread: the answer of call `id`. */
export type ResultMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WireError };

/** Worker to main thread, on the plan port: plan write `id` against this context. */
export interface PlanRequest {
  id: number;
  context: WriteContext;
}

/** Main thread to worker, on the plan port. `threw`: the planner threw; the worker fails the transaction. */
export type PlanAnswer = { plan: WritePlan } | { threw: string };
