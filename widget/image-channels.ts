/**
 * The images a connection carries: their channels (stores) grouped by image, and the `subscribe` frame for an
 * image. Usually one channel per image, but two stores of one image may share a connection.
 */
import { imageTopic, type ImageKey, type SubscribeMessage } from '../shared/index.js';
import type { ImageChannel } from './connection-types.js';

/** The channels of every image on one connection, by image topic. */
export class ImageChannels {
  readonly #byTopic = new Map<string, Set<ImageChannel>>();

  /** Adds a channel; returns true when it is the first of its image (the image needs subscribing). */
  add(channel: ImageChannel): boolean {
    const topic = imageTopic(channel.key);
    const set = this.#byTopic.get(topic) ?? new Set<ImageChannel>();
    set.add(channel);
    this.#byTopic.set(topic, set);
    return set.size === 1;
  }

  /** Removes a channel; returns true when it was the last of its image (the image can be unsubscribed). */
  remove(channel: ImageChannel): boolean {
    const topic = imageTopic(channel.key);
    const set = this.#byTopic.get(topic);
    if (!set?.delete(channel) || set.size > 0) return false;
    this.#byTopic.delete(topic);
    return true;
  }

  has(channel: ImageChannel): boolean {
    return this.#byTopic.get(imageTopic(channel.key))?.has(channel) ?? false;
  }

  /** The channels a frame about an image goes to (none for frames without an image). */
  of(key: { tenantId?: string; urlId?: string }): ImageChannel[] {
    if (key.tenantId === undefined || key.urlId === undefined) return [];
    return [...(this.#byTopic.get(imageTopic({ tenantId: key.tenantId, urlId: key.urlId })) ?? [])];
  }

  /** Every image with at least one channel. */
  images(): ImageKey[] {
    // A set is dropped with its last channel, so each holds at least one.
    return [...this.#byTopic.values()].map((set) => [...set][0]!.key);
  }

  *all(): Iterable<ImageChannel> {
    for (const set of this.#byTopic.values()) yield* set;
  }

  /**
   * The `subscribe` for an image, from the resume point of its channel that is furthest behind (a channel without
   * one asks for a snapshot); channels further ahead ignore what they already have. Null when no channel is left.
   */
  subscribeMessage(key: ImageKey): SubscribeMessage | null {
    const channels = this.of(key);
    const first = channels[0];
    if (!first) return null;
    const points = channels.map((channel) => channel.resumePoint());
    const epoch = points[0]?.epoch;
    const resumable = epoch !== undefined && points.every((point) => point.since !== undefined && point.epoch === epoch);
    const subscribe = { type: 'subscribe', tenantId: first.key.tenantId, urlId: first.key.urlId } as const;
    return resumable ? { ...subscribe, since: Math.min(...points.map((point) => point.since ?? 0)), epoch } : subscribe;
  }
}
