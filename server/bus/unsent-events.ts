/**
 * Per topic, the newest payload that a Redis bus failed to publish. Other nodes may still have Redis (only this
 * node lost it, or only the topic's shard failed over) and then never hear of those events; republished after
 * the bus recovers, the newest one shows them a gap, which they fill from the store.
 */
import { MAX_UNSENT_TOPICS } from './limits.js';

export class UnsentEvents {
  /** Oldest topics first, so the oldest is forgotten when the map is full. */
  private readonly byTopic = new Map<string, string>();

  remember(topic: string, payload: string): void {
    this.byTopic.delete(topic);
    if (this.byTopic.size >= MAX_UNSENT_TOPICS) {
      const oldest = this.byTopic.keys().next().value;
      if (oldest !== undefined) this.byTopic.delete(oldest);
    }
    this.byTopic.set(topic, payload);
  }

  /** Everything remembered, forgotten here: a republish that fails again is remembered again by the caller. */
  takeAll(): [topic: string, payload: string][] {
    const all = [...this.byTopic];
    this.byTopic.clear();
    return all;
  }
}
