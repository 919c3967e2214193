/**
 * Traffic and convergence checks shared by the cluster tests: writers that keep writing through
 * `ModelClient`s until stopped, and the final check that every client holds exactly the store's state.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { ImageKey } from '../../shared/index.js';
import type { Store } from '../../server/store/types.js';
import { sortedChats, type ModelClient, type WriteAnswer } from './model-client.js';

export interface Traffic {
  /** broadcastId → seq of every acknowledged write. */
  acked: Map<string, number>;
  /** Writes answered with an error (e.g. `unavailable` while a socket was down). */
  refused: number;
  stop(): Promise<void>;
}

/** Each client writes every `intervalMs` (create a marker, comment on or move one it made) until stopped. */
export function startTraffic(clients: ModelClient[], intervalMs = 40): Traffic {
  const acked = new Map<string, number>();
  let refused = 0;
  let running = true;
  const loops = clients.map(async (client, index) => {
    const mine: string[] = [];
    for (let i = 0; running; i += 1) {
      let answer: WriteAnswer;
      const chatId = mine[i % Math.max(1, mine.length)];
      const creating = !chatId || i % 3 === 0;
      const newChatId = randomUUID();
      if (creating) {
        answer = await client.write({ type: 'create-chat', chatId: newChatId, x: (index % 10) / 10, y: (i % 10) / 10, text: `c${index}-${i}` });
      } else if (i % 3 === 1) {
        answer = await client.write({ type: 'add-comment', chatId, text: `reply ${index}-${i}` });
      } else {
        answer = await client.write({ type: 'move-chat', chatId, x: ((i * 7) % 100) / 100, y: ((i * 3) % 100) / 100 });
      }
      if (answer.ok) {
        acked.set(answer.broadcastId, answer.seq);
        if (creating) mine.push(newChatId);
      } else {
        refused += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  });
  return {
    acked,
    get refused() { return refused; },
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Waits until every client holds the store's snapshot, then checks the guarantees. */
export async function expectConverged(clients: ModelClient[], store: Store, key: ImageKey, acked: Map<string, number>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let truth = await store.read(key);
  for (;;) {
    truth = await store.read(key);
    if (clients.every((c) => c.isLive && c.seq === truth.seq)) break;
    if (Date.now() > deadline) {
      throw new Error(`not converged to seq ${truth.seq}: ${clients.map((c) => `${c.url} live=${c.isLive} seq=${c.seq}`).join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!truth.reset) throw new Error('expected a snapshot');
  for (const client of clients) {
    expect(sortedChats(client.chats.values())).toEqual(sortedChats(truth.chats));
    expect(client.duplicates).toBe(0);
    expect(client.skipped).toBe(0);
  }
  // No acknowledged write is lost: each is in the log at the seq its ack named.
  const log = await store.eventsBetween(key, 0, truth.seq);
  if (!log) throw new Error('event log pruned: raise EVENT_LOG_KEEP for this test');
  const logged = new Map(log.map((event) => [event.broadcastId, event.seq]));
  for (const [broadcastId, seq] of acked) expect(logged.get(broadcastId)).toBe(seq);
}
