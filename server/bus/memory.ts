/**
 * The in-process bus, the embedded default: one node, so publishing is handing the payload to this node's
 * own handler, on the next microtask so that publish never re-enters the caller.
 */
import { IGNORING_BUS_HANDLER, type Bus, type BusHandler } from './types.js';

export class MemoryBus implements Bus {
  private readonly topics = new Set<string>();
  private handler: BusHandler = IGNORING_BUS_HANDLER;
  readonly healthy = true;

  async publish(topic: string, payload: string): Promise<void> {
    if (!this.topics.has(topic)) return;
    queueMicrotask(() => this.handler.handleBusMessage(topic, payload));
  }

  async subscribe(topic: string): Promise<void> {
    this.topics.add(topic);
  }

  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
  }

  /** An in-process bus never goes down: the handler hears only messages. */
  setHandler(handler: BusHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    this.topics.clear();
  }
}
