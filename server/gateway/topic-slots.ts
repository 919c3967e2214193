/**
 * A connection's subscriptions by topic, for the common case of one: the first is held in two fields, and a
 * Map is made only once a second is added. An idle connection watches one image, and an empty Map costs about
 * 200 bytes of heap per connection (issue 14's memory per connection).
 *
 * @example
 * const slots = new TopicSlots<Subscriber>();
 * slots.set('demo\u0000plan.png', subscriber);
 * slots.get('demo\u0000plan.png'); // subscriber
 */
export class TopicSlots<V> {
  #topic: string | undefined;
  #value: V | undefined;
  #more: Map<string, V> | undefined;

  get size(): number {
    return (this.#topic === undefined ? 0 : 1) + (this.#more?.size ?? 0);
  }

  get(topic: string): V | undefined {
    return topic === this.#topic ? this.#value : this.#more?.get(topic);
  }

  has(topic: string): boolean {
    return topic === this.#topic || (this.#more?.has(topic) ?? false);
  }

  set(topic: string, value: V): void {
    if (topic === this.#topic || this.#topic === undefined) {
      this.#topic = topic;
      this.#value = value;
      return;
    }
    (this.#more ??= new Map()).set(topic, value);
  }

  delete(topic: string): boolean {
    if (topic !== this.#topic) return this.#more?.delete(topic) ?? false;
    this.#topic = undefined;
    this.#value = undefined;
    // Promote one of the others, so that the inline slot is the one in use while any is.
    const next = this.#more?.entries().next();
    if (next && !next.done) {
      this.#more!.delete(next.value[0]);
      this.#topic = next.value[0];
      this.#value = next.value[1];
    }
    if (this.#more?.size === 0) this.#more = undefined;
    return true;
  }

  *values(): IterableIterator<V> {
    if (this.#topic !== undefined) yield this.#value as V;
    if (this.#more) yield* this.#more.values();
  }

  *entries(): IterableIterator<[string, V]> {
    if (this.#topic !== undefined) yield [this.#topic, this.#value as V];
    if (this.#more) yield* this.#more.entries();
  }

  clear(): void {
    this.#topic = undefined;
    this.#value = undefined;
    this.#more = undefined;
  }
}
