/**
 * The in-process bus, the embedded default: one node, so publishing is handing the payload to this node's
 * own listener, on the next microtask so that publish never re-enters the caller.
 */
import type { Bus, BusListener, BusStatusListener } from './types.js';

export class MemoryBus implements Bus {
  private readonly topics = new Set<string>();
  private listener: BusListener = () => {};
  readonly healthy = true;

  async publish(topic: string, payload: string): Promise<void> {
    if (!this.topics.has(topic)) return;
    queueMicrotask(() => this.listener(topic, payload));
  }

  async subscribe(topic: string): Promise<void> {
    this.topics.add(topic);
  }

  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
  }

  onMessage(listener: BusListener): void {
    this.listener = listener;
  }

  onStatus(_listener: BusStatusListener): void {
    // An in-process bus never goes down.
  }

  async close(): Promise<void> {
    this.topics.clear();
  }
}
