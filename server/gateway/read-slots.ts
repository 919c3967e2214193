/**
 * Slots for snapshot and replay reads, a few per client address (MAX_CONCURRENT_READS_PER_IP): one address's
 * burst of subscribes, over all its connections, holds at most that many store reads and answers being built at
 * once; the rest wait their turn in arrival order. An address with nothing held or waiting is forgotten.
 */

/** Gives a slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

interface AddressSlots {
  held: number;
  /** Waiting reads' resolvers, in arrival order (the resolver itself: no closure per waiting read). */
  waiting: ((release: ReleaseSlot) => void)[];
}

/**
 * @example
 * const slots = new ReadSlots(4, (inFlight) => gauge.set(inFlight));
 * const release = slots.tryAcquire('198.51.100.7') ?? await slots.acquire('198.51.100.7');
 * try { await read(); } finally { release(); }
 */
export class ReadSlots {
  private readonly addresses = new Map<string, AddressSlots>();
  private held = 0;

  /** `onChange` hears the node's number of reads in flight (over all addresses) after every change. */
  constructor(private readonly perAddress: number, private readonly onChange?: (inFlight: number) => void) {}

  /** A slot now, if one of the address's is free and none is waited for; null otherwise. */
  tryAcquire(address: string): ReleaseSlot | null {
    let slots = this.addresses.get(address);
    if (!slots) {
      slots = { held: 0, waiting: [] };
      this.addresses.set(address, slots);
    }
    if (slots.held >= this.perAddress) return null;
    slots.held += 1;
    this.changed(1);
    return this.releaser(address, slots);
  }

  /** Resolves with a slot once one of the address's is free. */
  acquire(address: string): Promise<ReleaseSlot> {
    const now = this.tryAcquire(address);
    if (now) return Promise.resolve(now);
    const slots = this.addresses.get(address)!;
    return new Promise((resolve) => {
      slots.waiting.push(resolve);
    });
  }

  /** Reads in flight on the node. */
  get inFlight(): number {
    return this.held;
  }

  /** Addresses with a slot held or a read waiting (for tests: idle addresses leave nothing behind). */
  get trackedAddresses(): number {
    return this.addresses.size;
  }

  private releaser(address: string, slots: AddressSlots): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next waiter, so the count never dips and a newcomer cannot jump the queue.
      const next = slots.waiting.shift();
      if (next) return next(this.releaser(address, slots));
      slots.held -= 1;
      this.changed(-1);
      if (slots.held === 0) this.addresses.delete(address);
    };
  }

  private changed(delta: number): void {
    this.held += delta;
    this.onChange?.(this.held);
  }
}
