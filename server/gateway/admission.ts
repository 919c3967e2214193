/**
 * Which WebSockets a node lets in: at most MAX_CONNECTIONS open on the node, at most MAX_CONNECTIONS_PER_IP
 * open from one client address, and new ones from an address at CONNECTION_RATE_PER_IP a minute after a
 * burst of CONNECTION_BURST_PER_IP. Counted per node (each node of a cluster admits on its own).
 *
 * A refused socket is accepted and closed at once with a close code, rather than refused with an HTTP
 * status: a browser's WebSocket API hides the status of a failed upgrade (the page sees 1006, the same as a
 * network failure), whereas a close code tells the widget why, and it backs off further on 1008 and 1013.
 */
import { CLOSE_CODES, type Limits } from '../../shared/index.js';
import { MinuteBudget } from './minute-budget.js';
import type { AdmissionRefusal } from '../metering/meters.js';

export type AdmissionVerdict =
  /** `key` is the address's key as admission holds it: connections from one address share that one string. */
  | { ok: true; key: string }
  | { ok: false; reason: AdmissionRefusal; closeCode: number; message: string };

interface AddressState {
  key: string;
  open: number;
  rate: MinuteBudget;
}

/** How often addresses with nothing open and a refilled rate are forgotten. */
const SWEEP_INTERVAL_MS = 10_000;

/**
 * @example
 * const admission = new Admission(limits);
 * const verdict = admission.admit(addressKey(address));
 * if (!verdict.ok) ws.close(verdict.closeCode, verdict.message);
 * else ws.once('close', () => admission.release(addressKey(address)));
 */
export class Admission {
  private readonly addresses = new Map<string, AddressState>();
  private total = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly limits: Limits) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Open connections this node admitted and that have not been released. */
  get open(): number {
    return this.total;
  }

  /** Addresses whose state is in memory. */
  get trackedAddresses(): number {
    return this.addresses.size;
  }

  /** Decides on a new socket from `key` (see `addressKey`); an admitted one counts until `release`. */
  admit(key: string, now = Date.now()): AdmissionVerdict {
    const { limits } = this;
    // The node's cap comes first: it is about this node, not the client, and the client should try another.
    if (this.total >= limits.MAX_CONNECTIONS) {
      return { ok: false, reason: 'node-full', closeCode: CLOSE_CODES.TRY_AGAIN_LATER, message: 'server full, try again later' };
    }
    const state = this.addresses.get(key) ?? { key, open: 0, rate: new MinuteBudget(limits.CONNECTION_RATE_PER_IP, limits.CONNECTION_BURST_PER_IP, now) };
    this.addresses.set(key, state);
    if (state.open >= limits.MAX_CONNECTIONS_PER_IP) {
      return { ok: false, reason: 'address-connections', closeCode: CLOSE_CODES.POLICY_VIOLATION, message: 'too many connections from this address' };
    }
    if (state.rate.wait(1, now) > 0) {
      return { ok: false, reason: 'address-rate', closeCode: CLOSE_CODES.POLICY_VIOLATION, message: 'too many new connections from this address; slow down' };
    }
    state.rate.take(1, now);
    state.open += 1;
    this.total += 1;
    return { ok: true, key: state.key };
  }

  /** An admitted socket from `key` closed. */
  release(key: string): void {
    const state = this.addresses.get(key);
    if (!state || state.open === 0) return;
    state.open -= 1;
    this.total -= 1;
  }

  /** Forgets addresses with nothing open whose rate refilled, so many one-off addresses leave nothing behind. */
  sweep(now = Date.now()): void {
    for (const [key, state] of this.addresses) if (state.open === 0 && state.rate.full(now)) this.addresses.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
