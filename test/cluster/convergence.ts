/**
 * The randomized convergence run: three nodes, about thirty clients driven by the widget's own store and
 * connection (widget/store.ts, widget/connection.ts, running in Node), random writes from random clients,
 * random client disconnects, one bus outage (`breakBus`: Redis killed, or the image's Redis Cluster master)
 * and one node restart. Every random choice comes from one seeded
 * generator, so a seed replays the same schedule of actions (process timing still varies from run to run).
 *
 * At the end every client's confirmed state equals the store's snapshot, no client applied an event twice,
 * and none skipped a seq: each seq the store moved past was one it had received.
 */
import WebSocket from 'ws';
import { isDeepStrictEqual } from 'node:util';
import type { Chat, ImageKey } from '../../shared/index.js';
import { WidgetConnection, type ImageMessage, type SocketConstructor } from '../../widget/connection.js';
import { ImageStore, type WidgetWriteOutcome } from '../../widget/store.js';
import type { ClusterNodes } from '../helpers/cluster.js';

import { seededRandom } from '../helpers/seeded-random.js';

export interface ConvergenceOptions {
  clients: number;
  /** How long random traffic runs. */
  durationMs: number;
  /** Breaks the bus the image's events travel on (mid-run); resolves with what brings it back. */
  breakBus(key: ImageKey): Promise<() => Promise<void>>;
}

export interface ConvergenceReport {
  seed: number;
  writes: number;
  acked: number;
  refused: number;
  disconnects: number;
  snapshots: number;
  finalSeq: number;
}

/** What one client's store did, checked as frames go in. */
interface Audit {
  /** Seqs received in events or replays since the last snapshot. */
  received: Set<number>;
  /** Seqs the store moved past since the last snapshot. */
  applied: Set<number>;
  appliedTwice: number[];
  skipped: number[];
  snapshots: number;
}

interface Client {
  index: number;
  connection: WidgetConnection;
  store: ImageStore;
  audit: Audit;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A WebSocket class that ignores the URL it is given and connects to a node chosen like a load balancer would. */
function balancedSocket(pick: () => string): SocketConstructor {
  return class BalancedSocket extends WebSocket {
    constructor(_url: string) {
      super(pick());
    }
  };
}

/** Watches every frame the store receives: which seqs it moved past, and whether it had received each. */
function audited(store: ImageStore): Audit {
  const audit: Audit = { received: new Set(), applied: new Set(), appliedTwice: [], skipped: [], snapshots: 0 };
  const receive = store.receive.bind(store);
  store.receive = (message: ImageMessage) => {
    const before = store.seq;
    if (message.type === 'subscribed' && message.reset) {
      audit.snapshots += 1;
      audit.received.clear();
      audit.applied.clear();
      receive(message);
      return;
    }
    if (message.type === 'subscribed') for (const event of message.events) audit.received.add(event.seq);
    if (message.type === 'new-image-chat' || message.type === 'image-chat-updated' || message.type === 'deleted-image-chat') audit.received.add(message.seq);
    receive(message);
    const after = store.seq;
    if (before === null || after === null) return;
    for (let seq = before + 1; seq <= after; seq += 1) {
      if (audit.applied.has(seq)) audit.appliedTwice.push(seq);
      if (!audit.received.has(seq)) audit.skipped.push(seq);
      audit.applied.add(seq);
    }
  };
  return audit;
}

/** Runs one seed against a running three-node cluster; throws with the seed in the message on any failure. */
export async function runConvergence(cluster: ClusterNodes, seed: number, options: ConvergenceOptions): Promise<ConvergenceReport> {
  const random = seededRandom(seed);
  const pickInt = (n: number) => Math.floor(random() * n);
  const key: ImageKey = { tenantId: 'demo', urlId: `convergence-${seed}-${Date.now()}` };
  const clients: Client[] = [];
  const outcomes: Promise<WidgetWriteOutcome>[] = [];
  let disconnects = 0;
  const fail = (message: string): never => {
    throw new Error(`convergence seed ${seed}: ${message} (rerun: npm run test:convergence -- --seed ${seed})`);
  };

  for (let index = 0; index < options.clients; index += 1) {
    let next = index;
    const pick = () => {
      const urls = cluster.liveUrls();
      next += 1;
      return urls[next % Math.max(1, urls.length)] ?? 'ws://127.0.0.1:1/ws';
    };
    const connection = new WidgetConnection({
      url: 'ws://balanced/ws', WebSocket: balancedSocket(pick), name: `client ${index}`,
      minDelayMs: 50, maxDelayMs: 500, random,
    });
    const store = new ImageStore(connection, key, { gapWaitMs: 500 });
    const audit = audited(store);
    connection.connect();
    store.open();
    clients.push({ index, connection, store, audit });
  }

  try {
    await until(() => clients.every((c) => c.store.ready && c.connection.state === 'live'), 20_000) || fail('clients did not all connect');

    const started = Date.now();
    const blipAt = options.durationMs * (0.15 + random() * 0.3);
    const restartAt = options.durationMs * (0.5 + random() * 0.2);
    const restartNode = pickInt(3);
    const restartSignal: NodeJS.Signals = random() < 0.5 ? 'SIGKILL' : 'SIGTERM';
    const chaos = (async () => {
      await pause(blipAt);
      const repairBus = await options.breakBus(key);
      await pause(200 + pickInt(300));
      await repairBus();
      await pause(Math.max(0, restartAt - (Date.now() - started)));
      await cluster.stopNode(restartNode, restartSignal);
      await pause(200 + pickInt(300));
      await cluster.startNode(restartNode);
    })();

    let writes = 0;
    while (Date.now() - started < options.durationMs) {
      const client = clients[pickInt(clients.length)]!;
      const roll = random();
      if (roll < 0.05) {
        disconnects += 1;
        client.connection.reconnect();
      } else {
        const outcome = randomWrite(client.store, random);
        if (outcome) {
          writes += 1;
          outcomes.push(outcome);
        }
      }
      await pause(5 + pickInt(15));
    }
    await chaos;
    const results = await Promise.race([Promise.all(outcomes), pause(30_000).then(() => null)]) ?? fail('writes never settled');

    const truthStore = await cluster.openStore();
    const converged = await until(async () => {
      const truth = await truthStore.read(key);
      return clients.every((c) => c.connection.state === 'live' && c.store.seq === truth.seq && showsConfirmed(c.store));
    }, 30_000);
    const truth = await truthStore.read(key);
    if (!truth.reset) return fail('expected a snapshot');
    if (!converged) {
      const shown = (c: Client) => {
        const confirmed = new Set(c.store.confirmedChats().map((chat) => chat.id));
        const extra = c.store.chats.filter((chat) => !confirmed.has(chat.id)).map((chat) => `${chat.id}${c.store.isPending(chat.id) ? ' (pending)' : ''}`);
        if (extra.length > 0) return ` shows unconfirmed ${extra.join(' ')}`;
        return showsConfirmed(c.store) ? '' : ' shows a state other than its confirmed one';
      };
      fail(`not converged to seq ${truth.seq}: ${clients.map((c) => `#${c.index} ${c.connection.state} seq=${c.store.seq}${shown(c)}`).join(', ')}`);
    }
    const expected = byId(truth.chats);
    for (const client of clients) {
      if (!isDeepStrictEqual(client.store.confirmedChats(), expected)) fail(`client ${client.index} differs from the store at seq ${truth.seq}`);
      if (client.audit.appliedTwice.length > 0) fail(`client ${client.index} applied seqs twice: ${client.audit.appliedTwice.join(',')}`);
      if (client.audit.skipped.length > 0) fail(`client ${client.index} skipped seqs: ${client.audit.skipped.join(',')}`);
    }
    // No acknowledged write is lost: each is in the log at its seq.
    const log = (await truthStore.eventsBetween(key, 0, truth.seq)) ?? fail('event log pruned');
    const logged = new Map(log.map((event) => [event.broadcastId, event.seq]));
    const acked = results.filter((r): r is Extract<WidgetWriteOutcome, { ok: true }> => r.ok);
    for (const outcome of acked) {
      // An in-doubt write settled by a resubscribe reports the store's seq then, not its own.
      if (!logged.has(outcome.broadcastId)) fail(`acknowledged write ${outcome.broadcastId} is not stored`);
    }
    return {
      seed, writes, acked: acked.length, refused: results.length - acked.length, disconnects,
      snapshots: clients.reduce((sum, c) => sum + c.audit.snapshots, 0), finalSeq: truth.seq,
    };
  } finally {
    for (const client of clients) {
      client.store.close();
      client.connection.close();
    }
  }
}

/** One random write a person could make through the widget, or null when there is nothing to do it on. */
function randomWrite(store: ImageStore, random: () => number): Promise<WidgetWriteOutcome> | null {
  const chats = store.chats;
  const chat = chats[Math.floor(random() * chats.length)];
  const roll = random();
  const x = Math.round(random() * 1000) / 1000;
  const y = Math.round(random() * 1000) / 1000;
  if (!chat || roll < 0.3) return store.createChat(x, y, `note ${Math.floor(random() * 1e6)}`);
  if (roll < 0.6) return store.addComment(chat.id, `reply ${Math.floor(random() * 1e6)}`);
  if (roll < 0.75) return store.moveChat(chat.id, x, y);
  if (roll < 0.85) return store.resolveChat(chat.id, !chat.resolved);
  const comment = chat.comments[Math.floor(random() * chat.comments.length)];
  if (roll < 0.9 && comment) return store.editComment(chat.id, comment.id, `edited ${Math.floor(random() * 1e6)}`);
  if (roll < 0.95 && comment && chat.comments.length > 1) return store.deleteComment(chat.id, comment.id);
  return store.deleteChat(chat.id);
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await pause(50);
  }
  return true;
}

/** Nothing optimistic is left on screen: what the client shows is what the server confirmed. */
const showsConfirmed = (store: ImageStore): boolean => isDeepStrictEqual(byId(store.chats), store.confirmedChats());

/** Chats in the order `ImageStore.confirmedChats` uses. */
const byId = (chats: Chat[]): Chat[] => [...chats].sort((a, b) => (a.id < b.id ? -1 : 1));
