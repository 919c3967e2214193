/**
 * Budgets held across a node's connections, on top of each connection's own frame and write rates:
 * - writes per person (a session's user id within a tenant) and bytes of text they write, so one person on
 *   many sockets gets one person's budget (PERSON_WRITES_PER_MINUTE, PERSON_WRITE_BYTES_PER_MINUTE);
 * - writes and bytes of text per client address, covering guests and anyone who holds many identities
 *   (IP_WRITES_PER_MINUTE, IP_WRITE_BYTES_PER_MINUTE);
 * - writes and bytes of text per tenant, so one busy or abused site leaves room for the others
 *   (TENANT_WRITES_PER_MINUTE, TENANT_WRITE_BYTES_PER_MINUTE);
 * - bytes of `subscribed` answers (snapshots and replays) per connection and per address
 *   (READ_BYTES_PER_MINUTE, READ_BYTES_PER_MINUTE_PER_IP), and how many of those reads one address may have in
 *   flight at once (MAX_CONCURRENT_READS_PER_IP, `ReadSlots`).
 *
 * All of them are per node and in memory: with N nodes behind a load balancer, a person, an address or a
 * tenant can get up to N times each budget. That keeps every check synchronous and free of a shared
 * dependency; the per-connection rates and each node's own budgets still bound what one node takes.
 */
import type { Limits, WriteMessage } from '../../shared/index.js';
import { KeyedMinuteBudgets } from './minute-budget.js';
import { chargeReadBudget, untilReadBudgetPositive, type ReadBudgetState } from './connection-read-budget.js';
import { ReadSlots, type ReleaseSlot } from './read-slots.js';
import type { BudgetName } from '../metering/meters.js';

/** A refused charge: which budget, a message for the client that names it, and when to try again. */
export interface BudgetRefusal {
  budget: BudgetName;
  message: string;
  retryAfterMs: number;
}

/** How often budgets that refilled to full are forgotten. */
const SWEEP_INTERVAL_MS = 10_000;

/** Bytes of user text a write carries (UTF-8): what the byte budgets count. */
function writeTextBytes(message: WriteMessage): number {
  return 'text' in message ? Buffer.byteLength(message.text) : 0;
}

const inSeconds = (ms: number): string => `try again in ${Math.ceil(ms / 1000)} s`;

/** Who is charged: a connection (its context), by its address. */
export interface BudgetHolder {
  readonly address: string;
}

/** A connection that subscribes: it also carries its own read budget (connection-read-budget.ts). */
export interface ReadBudgetHolder extends BudgetHolder, ReadBudgetState {}

/**
 * The node's shared budgets; each connection charges them as itself (a `BudgetHolder`).
 * @example
 * const budgets = new GatewayBudgets(limits);
 * const refusal = budgets.chargeWrite({ address: addressKey(address) }, message, user.id);
 */
export class GatewayBudgets {
  readonly personWrites: KeyedMinuteBudgets;
  readonly personBytes: KeyedMinuteBudgets;
  readonly addressWrites: KeyedMinuteBudgets;
  readonly addressBytes: KeyedMinuteBudgets;
  readonly tenantWrites: KeyedMinuteBudgets;
  readonly tenantBytes: KeyedMinuteBudgets;
  readonly addressReads: KeyedMinuteBudgets;
  readonly addressHellos: KeyedMinuteBudgets;
  readonly readSlots: ReadSlots;
  private readonly sweeper: NodeJS.Timeout;

  /** `onReadsInFlight` hears the node's number of subscribe reads in flight whenever it changes (a gauge). */
  constructor(readonly limits: Limits, onReadsInFlight?: (inFlight: number) => void) {
    this.personWrites = new KeyedMinuteBudgets(limits.PERSON_WRITES_PER_MINUTE);
    this.personBytes = new KeyedMinuteBudgets(limits.PERSON_WRITE_BYTES_PER_MINUTE);
    this.addressWrites = new KeyedMinuteBudgets(limits.IP_WRITES_PER_MINUTE);
    this.addressBytes = new KeyedMinuteBudgets(limits.IP_WRITE_BYTES_PER_MINUTE);
    this.tenantWrites = new KeyedMinuteBudgets(limits.TENANT_WRITES_PER_MINUTE);
    this.tenantBytes = new KeyedMinuteBudgets(limits.TENANT_WRITE_BYTES_PER_MINUTE);
    this.addressReads = new KeyedMinuteBudgets(limits.READ_BYTES_PER_MINUTE_PER_IP);
    this.addressHellos = new KeyedMinuteBudgets(limits.IP_TENANT_HELLOS_PER_MINUTE);
    this.readSlots = new ReadSlots(limits.MAX_CONCURRENT_READS_PER_IP, onReadsInFlight);
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /**
   * Charges a write as it arrives to its person and its address; all or nothing. The tenant is charged only
   * once the write is authorized (`chargeTenant`), so strangers cannot spend a tenant's budget with writes
   * that would be refused anyway.
   */
  chargeWrite(who: BudgetHolder, message: WriteMessage, userId: string, now = Date.now()): BudgetRefusal | null {
    const { limits } = this;
    const person = `${message.tenantId}\u0000${userId}`;
    const bytes = writeTextBytes(message);
    const refusal =
      refuse('person-writes', this.personWrites.wait(person, 1, now), `more than ${limits.PERSON_WRITES_PER_MINUTE} writes a minute by one person`)
      ?? refuse('person-bytes', this.personBytes.wait(person, bytes, now), `more than ${limits.PERSON_WRITE_BYTES_PER_MINUTE} bytes of text a minute by one person`)
      ?? refuse('address-writes', this.addressWrites.wait(who.address, 1, now), `more than ${limits.IP_WRITES_PER_MINUTE} writes a minute from one address`)
      ?? refuse('address-bytes', this.addressBytes.wait(who.address, bytes, now), `more than ${limits.IP_WRITE_BYTES_PER_MINUTE} bytes of text a minute from one address`);
    if (refusal) return refusal;
    this.personWrites.take(person, 1, now);
    this.addressWrites.take(who.address, 1, now);
    if (bytes > 0) {
      this.personBytes.take(person, bytes, now);
      this.addressBytes.take(who.address, bytes, now);
    }
    return null;
  }

  /** Charges a tenant hello (a sign-in, or a tenant's guest) to this connection's address. */
  chargeTenantHello(who: BudgetHolder, now = Date.now()): BudgetRefusal | null {
    const refusal = refuse('address-hellos', this.addressHellos.wait(who.address, 1, now),
      `more than ${this.limits.IP_TENANT_HELLOS_PER_MINUTE} sign-ins a minute from one address`);
    if (!refusal) this.addressHellos.take(who.address, 1, now);
    return refusal;
  }

  /** Charges an authorized write to its tenant's budgets on this node; all or nothing. */
  chargeTenant(message: WriteMessage, now = Date.now()): BudgetRefusal | null {
    const { limits } = this;
    const bytes = writeTextBytes(message);
    const refusal =
      refuse('tenant-writes', this.tenantWrites.wait(message.tenantId, 1, now), `this site passed ${limits.TENANT_WRITES_PER_MINUTE} writes a minute on this server`)
      ?? refuse('tenant-bytes', this.tenantBytes.wait(message.tenantId, bytes, now), `this site passed ${limits.TENANT_WRITE_BYTES_PER_MINUTE} bytes of text a minute on this server`);
    if (refusal) return refusal;
    this.tenantWrites.take(message.tenantId, 1, now);
    if (bytes > 0) this.tenantBytes.take(message.tenantId, bytes, now);
    return null;
  }

  /**
   * One of this address's read slots (MAX_CONCURRENT_READS_PER_IP), held while a subscribe is read and its answer
   * built and sent, if one is free now; null when all are held (then `acquireRead`).
   */
  tryAcquireRead(who: BudgetHolder): ReleaseSlot | null {
    return this.readSlots.tryAcquire(who.address);
  }

  /** One of this address's read slots once one is free: more wait their turn. */
  acquireRead(who: BudgetHolder): Promise<ReleaseSlot> {
    return this.readSlots.acquire(who.address);
  }

  /**
   * Whether a subscribe may be answered: refused while this connection's or this address's read budget is
   * spent. Asked before the store is read, so a refused subscribe costs no read.
   */
  readRefusal(who: ReadBudgetHolder, now = Date.now()): BudgetRefusal | null {
    const { limits } = this;
    return refuse('connection-reads', untilReadBudgetPositive(who, limits.READ_BYTES_PER_MINUTE, now), `more than ${limits.READ_BYTES_PER_MINUTE} bytes of snapshots and replays a minute on one connection`)
      ?? refuse('address-reads', this.addressReads.untilPositive(who.address, now), `more than ${limits.READ_BYTES_PER_MINUTE_PER_IP} bytes of snapshots and replays a minute from one address`);
  }

  /**
   * Charges an answer about to be sent. It may overdraw the budgets by this one answer (its size is known
   * only once built, and at most MAX_SNAPSHOT_BYTES); the next subscribes wait until that is paid back. A
   * connection reads one subscribe at a time, so its own budget is overdrawn by at most one answer, and an
   * address's by at most the MAX_CONCURRENT_READS_PER_IP answers it may have in flight.
   */
  chargeRead(who: ReadBudgetHolder, bytes: number, now = Date.now()): void {
    chargeReadBudget(who, this.limits.READ_BYTES_PER_MINUTE, bytes, now);
    this.addressReads.take(who.address, bytes, now);
  }

  /** Keys with a budget in memory, over all budgets. */
  get trackedKeys(): number {
    return this.all().reduce((sum, budgets) => sum + budgets.size, 0);
  }

  sweep(now = Date.now()): void {
    for (const budgets of this.all()) budgets.sweep(now);
  }

  private all(): KeyedMinuteBudgets<unknown>[] {
    return [this.personWrites, this.personBytes, this.addressWrites, this.addressBytes, this.tenantWrites, this.tenantBytes, this.addressReads, this.addressHellos];
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

function refuse(budget: BudgetName, waitMs: number, what: string): BudgetRefusal | null {
  if (waitMs === 0) return null;
  return { budget, message: `${what}; ${inSeconds(waitMs)}`, retryAfterMs: waitMs };
}
