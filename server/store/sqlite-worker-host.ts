/**
 * Inside the worker thread: owns the SQLite store (sqlite.ts, the same code that ran on the main thread
 * before) and answers the main thread's calls. Writes keep their group commit (sqlite-write.ts): the
 * worker's event loop takes in the calls that arrived while a transaction ran, and they commit together.
 *
 * A write's planner lives on the main thread (a closure of the core's). Inside the transaction the worker
 * sends the planner's context over the plan port and blocks (Atomics.wait) until the main thread answers, so
 * the transaction stays synchronous and nothing else runs on the connection in between. The main thread never
 * waits for the worker, so this cannot deadlock; it only holds the write lock for one main-thread turn per write.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { WritePlan, WriteContext } from '../core/write-plan.js';
import { SqliteStore } from './sqlite.js';
import { PlannerThrew, toWireError } from './sqlite-worker-errors.js';
import type { CallMessage, PlainMethod, PlanAnswer, ResultMessage, SqliteWorkerData } from './sqlite-worker-protocol.js';
import type { ImageKey } from '../../shared/index.js';
import type { WriteTarget } from '../core/write-plan.js';
import { planFromRecipe, type PlanRecipe } from '../core/plan-recipe.js';

/** Extra commands a test worker adds (`test:…` methods); the product's worker has none. */
export type TestHooks = Record<string, (store: SqliteStore, ...args: unknown[]) => unknown>;

/** Serves the store to the main thread until it asks to close. Called once by the worker's entry file. */
export function serveSqliteStore(hooks: TestHooks = {}): void {
  if (!parentPort) throw new Error('serveSqliteStore runs inside a worker thread');
  const port = parentPort;
  const data = workerData as SqliteWorkerData;
  const store = new SqliteStore({ path: data.path, eventLogKeep: data.eventLogKeep });
  const signal = new Int32Array(data.planSignal);
  const planner = (id: number) => (context: WriteContext): WritePlan => askPlanner(data.planPort, signal, id, context);

  const answer = (message: ResultMessage) => {
    try {
      port.postMessage(message);
    } catch (error) {
      // An answer that cannot be cloned still answers: as the error, so the caller never waits forever.
      port.postMessage({ id: message.id, ok: false, error: toWireError(error) } satisfies ResultMessage);
    }
  };
  port.on('message', (message: CallMessage) => {
    run(store, message, planner, hooks).then(
      (value) => answer({ id: message.id, ok: true, value }),
      (error: unknown) => answer({ id: message.id, ok: false, error: toWireError(error) }),
    ).then(() => {
      // The last answer is out: let the thread end (the main thread waits for its exit).
      if (message.method === 'close') {
        port.close();
        data.planPort.close();
      }
    });
  });
}

async function run(store: SqliteStore, message: CallMessage, planner: (id: number) => (context: WriteContext) => WritePlan, hooks: TestHooks): Promise<unknown> {
  const { method, args } = message;
  if (method === 'write') {
    const recipe = args[2] as PlanRecipe | null;
    return store.write(args[0] as ImageKey, args[1] as WriteTarget, recipe ? (context) => planFromRecipe(recipe, context) : planner(message.id));
  }
  if (method === 'getOrCreateSetting') {
    const made = args[1] as string;
    return store.getOrCreateSetting(args[0] as string, () => made);
  }
  if (method.startsWith('test:')) {
    const hook = hooks[method.slice('test:'.length)];
    if (!hook) throw new Error(`this store worker has no test hook "${method}"`);
    return hook(store, ...args);
  }
  const plain = store[method as PlainMethod] as (...values: unknown[]) => Promise<unknown>;
  if (typeof plain !== 'function') throw new Error(`the SQLite store has no method "${method}"`);
  return plain.apply(store, args);
}

/** Asks the main thread to plan write `id`, blocking this thread (and so the open transaction) until it answers. */
function askPlanner(port: MessagePort, signal: Int32Array, id: number, context: WriteContext): WritePlan {
  const seen = Atomics.load(signal, 0);
  port.postMessage({ id, context });
  for (;;) {
    const received = receiveMessageOnPort(port);
    if (received) {
      const answer = received.message as PlanAnswer;
      if ('threw' in answer) throw new PlannerThrew(id, answer.threw);
      return answer.plan;
    }
    // The main thread posts its answer before it bumps the signal, so after a wake-up the answer is there.
    Atomics.wait(signal, 0, seen);
  }
}
