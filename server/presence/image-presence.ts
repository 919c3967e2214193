/**
 * The presence of one image on this node: its local viewers (by connection, and by person), the states other
 * nodes published, the typing signals waiting for the next flush, and what was last sent to the image's local
 * subscribers (so the next delta is what changed since). Pure state: the presence hub owns the timers and the bus.
 */
import type {
  ImageKey, PresenceDeltaMessage, PresenceSnapshotMessage, PresenceStoppedTyping, PresenceTyping, PresenceViewer, TenantRules,
} from '../../shared/index.js';
import type { PresencePersonState, PresenceStateMessage } from './presence-bus-message.js';

/** What presence needs of one local subscription of an image: a way to send it a presence frame. */
export interface PresenceConnection {
  /** Sends a serialized `presence` frame (metered as pub/sub traffic). */
  deliverPresence(frame: Buffer): void;
}

/** Who a connection is, for presence: a person with an id (named when they may be listed), or no identity at all. */
export interface PresencePerson {
  /** Their user id on the tenant; null for a connection with no identity (it counts once per connection). */
  id: string | null;
  /** Set when they may be listed: signed in, or a guest who gave a name. */
  name?: string;
  /** An http(s) avatar URL from SSO. */
  avatar?: string;
}

export type PresenceRules = Pick<TenantRules, 'presence' | 'presenceNames'>;

/** Who a connection without identity is: one shared object for all of them (an idle viewer holds nothing of its own). */
export const ANONYMOUS: PresencePerson = Object.freeze({ id: null });

interface LocalPerson { person: PresencePerson; connections: number; since: number }

/** `anonymous` includes the people the node sent only as a number (`morePeople`). */
interface RemoteState { people: PresencePersonState[]; anonymous: number; expiresAt: number }

/** A typing entry waiting for the flush, with the presence key of its typer (never sent). */
interface PendingTyping { from: string; entry: PresenceTyping }
interface PendingStop { from: string; entry: PresenceStoppedTyping }

/** A delta and where its typing entries come from. */
export interface PresenceChange {
  delta: PresenceDeltaMessage;
  typing: PendingTyping[];
  stopped: PendingStop[];
  countChanged: boolean;
}

/**
 * What a subscriber was last sent: the listed viewers by id, and the count. Snapshots that hold the same listed
 * viewers share one map (the one the others were last sent, when it is the same), so a crowd of fresh subscribers
 * is diffed once per distinct list, not once each.
 */
interface Baseline { listed: Map<string, PresenceViewer>; count: number }

/** A fresh subscriber's baseline; a number is the count of a snapshot whose listed viewers were `sent`'s. */
type FreshBaseline = Baseline | number;

/** The listed viewers a subscriber is sent when the tenant shows counts only. */
const NO_VIEWERS: PresenceViewer[] = [];

/** The merged presence of the image over every node. */
interface MergedView { count: number; listed: PresenceViewer[] }

export class ImagePresence {
  /** Who each local subscription is (who typed is keyed by the hub: most viewers never type). */
  readonly local = new Map<PresenceConnection, PresencePerson>();
  private readonly localPeople = new Map<string, LocalPerson>();
  private localAnonymous = 0;
  private readonly remote = new Map<string, RemoteState>();
  private remoteAnonymous = 0;
  /** Per person id, how many places hold them (this node, and each other node): the count is its size. */
  private readonly holders = new Map<string, number>();
  /** The listed viewers as last worked out; null when a change may have moved them. */
  private listed: PresenceViewer[] | null = null;
  private typing: PendingTyping[] = [];
  private stopped: PendingStop[] = [];
  /** The listed viewers (by id) and count the local subscribers were last sent in a delta. */
  private sent: Baseline = { listed: new Map(), count: 0 };
  /**
   * Subscribers sent a snapshot since the last frame, with what it held (handed to `takeChanges`'s answer): only
   * its count when its listed viewers were those of `sent`, the common case (no object per joiner in a crowd).
   */
  private fresh = new Map<PresenceConnection, FreshBaseline>();
  /** The listed viewers of the snapshots that differ from `sent`, as one map per distinct list. */
  private freshListed: { of: PresenceViewer[]; byId: Map<string, PresenceViewer> } | null = null;
  /** When the local subscribers were last sent a frame (a crowd's count-only changes wait from here). */
  lastFrameAt = Number.NEGATIVE_INFINITY;
  /** When this node last published its state (a crowd's count-only state changes wait from here). */
  lastStateAt = Number.NEGATIVE_INFINITY;
  /** Another node asked for this node's state: it goes out at the next flush, whatever the crowd. */
  stateAsked = false;
  /** When people who left since the last flush had joined: a resubscribe or a quick reload keeps its place. */
  private readonly recentlyLeft = new Map<string, number>();
  /** Per typer key: when their last typing signal was forwarded, and the threads it is still shown in. */
  readonly typers = new Map<string, { at: number; chats: Set<string> }>();
  /** This node's local people changed since it last published its state. */
  localChanged = true;
  /** When this node next publishes its state as a heartbeat. */
  nextHeartbeat = 0;
  flushTimer: NodeJS.Timeout | null = null;
  /** When the pending flush is due (a crowd's waiting flush is replaced by a sooner one). */
  flushDueAt = 0;

  constructor(readonly key: ImageKey, readonly topic: string, public rules: PresenceRules, private readonly listMax: number) {}

  get hasLocalViewers(): boolean {
    return this.local.size > 0;
  }

  /** A local subscription joined. */
  join(connection: PresenceConnection, person: PresencePerson, now: number): void {
    this.local.set(connection, person);
    this.localChanged = true;
    if (person.id === null) {
      this.localAnonymous += 1;
      return;
    }
    const known = this.localPeople.get(person.id);
    if (known) {
      // The newest tab's identity wins (a sign-in on an open connection brings the name and avatar).
      if (known.person.name !== person.name || known.person.avatar !== person.avatar) this.listed = null;
      Object.assign(known, { person, connections: known.connections + 1 });
      return;
    }
    const since = this.recentlyLeft.get(person.id) ?? now;
    this.localPeople.set(person.id, { person, connections: 1, since });
    const newcomer = this.hold(person.id);
    // Joins come in time order: a newcomer behind a full list leaves it as it is, so a crowd arriving costs no re-sort.
    if (newcomer && person.name !== undefined && !this.behindFullList(person.id, since)) this.listed = null;
  }

  /** A local subscription left; returns its viewer, or undefined when it was not here. */
  leave(connection: PresenceConnection): PresencePerson | undefined {
    const person = this.local.get(connection);
    if (!person) return undefined;
    this.local.delete(connection);
    this.fresh.delete(connection);
    this.localChanged = true;
    const id = person.id;
    if (id === null) {
      this.localAnonymous -= 1;
      return person;
    }
    const known = this.localPeople.get(id);
    if (known && known.connections > 1) {
      known.connections -= 1;
      return person;
    }
    this.localPeople.delete(id);
    if (known) this.recentlyLeft.set(id, known.since);
    this.release(id);
    if (this.listed?.some((listed) => listed.id === id)) this.listed = null;
    return person;
  }

  /** The person behind a local subscription changed: it leaves and joins again, keeping its snapshot's baseline. */
  rejoin(connection: PresenceConnection, person: PresencePerson, now: number): void {
    const baseline = this.fresh.get(connection);
    this.leave(connection);
    this.join(connection, person, now);
    if (baseline !== undefined) this.fresh.set(connection, baseline);
  }

  viewerOf(connection: PresenceConnection): PresencePerson | undefined {
    return this.local.get(connection);
  }

  /**
   * This node's state, as it publishes it: at most `peopleMax` people by id (the earliest named first, so every
   * node still lists the same people), the rest as `morePeople`.
   */
  localState(node: string, peopleMax: number): PresenceStateMessage {
    const chosen = this.localPeople.size <= peopleMax ? this.localPeople.keys() : this.peopleToPublish(peopleMax);
    const people: PresencePersonState[] = [];
    for (const id of chosen) people.push(personState(id, this.localPeople.get(id)!));
    const morePeople = this.localPeople.size - people.length;
    return { presence: 'state', node, people, anonymous: this.localAnonymous, ...(morePeople > 0 ? { morePeople } : {}) };
  }

  /** The ids a crowded node publishes: its first `listMax` named people in join order, then others up to `max`. */
  private peopleToPublish(max: number): Set<string> {
    const named = [...this.localPeople].filter(([, { person }]) => person.name !== undefined)
      .map(([id, { since }]) => ({ id, since })).sort(joinOrder).slice(0, Math.min(this.listMax, max));
    const chosen = new Set(named.map(({ id }) => id));
    for (const id of this.localPeople.keys()) {
      if (chosen.size >= max) break;
      chosen.add(id);
    }
    return chosen;
  }

  /** Another node's state arrived; an empty one means it holds no viewers of the image any more. */
  remoteState(state: PresenceStateMessage, expiresAt: number): void {
    this.dropRemote(state.node);
    this.listed = null;
    const anonymous = state.anonymous + (state.morePeople ?? 0);
    if (state.people.length === 0 && anonymous === 0) return;
    this.remote.set(state.node, { people: state.people, anonymous, expiresAt });
    this.remoteAnonymous += anonymous;
    for (const person of state.people) this.hold(person.id);
  }

  /** Drops the states of nodes that stopped sending heartbeats; true if any was dropped. */
  expire(now: number): boolean {
    let dropped = false;
    for (const [node, state] of this.remote) {
      if (state.expiresAt > now) continue;
      this.dropRemote(node);
      dropped = true;
    }
    return dropped;
  }

  addTyping(from: string, entry: PresenceTyping, max: number): void {
    // A renewal replaces the typer's pending entry for the thread; past the cap, more typers wait for the next frame's room.
    this.typing = this.typing.filter((pending) => !(pending.from === from && pending.entry.chatId === entry.chatId));
    this.stopped = this.stopped.filter((pending) => !(pending.from === from && pending.entry.chatId === entry.chatId));
    if (this.typing.length < max) this.typing.push({ from, entry });
  }

  addStopped(from: string, entry: PresenceStoppedTyping, max: number): void {
    this.typing = this.typing.filter((pending) => !(pending.from === from && pending.entry.chatId === entry.chatId));
    if (this.stopped.length < max) this.stopped.push({ from, entry });
  }

  /** The exact count and the listed viewers, over this node and every other node heard from. */
  view(): MergedView {
    return { count: this.holders.size + this.localAnonymous + this.remoteAnonymous, listed: (this.listed ??= this.workOutListed()) };
  }

  /** The first `listMax` named people by join time (the earliest a node reports for each), then id. */
  private workOutListed(): PresenceViewer[] {
    const people = new Map<string, PresencePersonState>();
    const consider = (person: PresencePersonState): void => {
      if (person.name === undefined) return;
      const known = people.get(person.id);
      if (!known || person.since < known.since) people.set(person.id, person);
    };
    for (const [id, local] of this.localPeople) consider(personState(id, local));
    for (const state of this.remote.values()) for (const person of state.people) consider(person);
    return [...people.values()].sort(joinOrder).slice(0, this.listMax)
      .map(({ id, name, avatar }) => ({ id, name: name!, ...(avatar !== undefined ? { avatar } : {}) }));
  }

  /** True when the list is full and a person who joined at `since` comes after its last. */
  private behindFullList(id: string, since: number): boolean {
    const listed = this.listed;
    if (!listed || listed.length < this.listMax) return false;
    const last = listed[listed.length - 1]!;
    const lastSince = this.localPeople.get(last.id)?.since ?? Number.NEGATIVE_INFINITY;
    return joinOrder({ id: last.id, since: lastSince }, { id, since }) < 0;
  }

  /** One more place holds the person; true if no place did before. */
  private hold(id: string): boolean {
    const places = this.holders.get(id) ?? 0;
    this.holders.set(id, places + 1);
    return places === 0;
  }

  private release(id: string): void {
    const places = this.holders.get(id) ?? 0;
    if (places > 1) this.holders.set(id, places - 1);
    else this.holders.delete(id);
  }

  private dropRemote(node: string): void {
    const state = this.remote.get(node);
    if (!state) return;
    this.remote.delete(node);
    this.remoteAnonymous -= state.anonymous;
    for (const person of state.people) this.release(person.id);
    this.listed = null;
  }

  /**
   * The snapshot a subscriber gets after `subscribed`. Until the next flush the subscriber is "fresh": its next
   * delta is what changed since this snapshot, not since the frame the others were last sent.
   */
  snapshot(connection: PresenceConnection): PresenceSnapshotMessage {
    const view = this.view();
    const viewers = this.rules.presenceNames ? view.listed : NO_VIEWERS;
    const listed = this.baselineOf(viewers);
    this.fresh.set(connection, listed === this.sent.listed ? view.count : { listed, count: view.count });
    return { type: 'presence', tenantId: this.key.tenantId, urlId: this.key.urlId, count: view.count, snapshot: true, viewers };
  }

  /** The map of a snapshot's listed viewers: the others' own when it is the same list, else one per distinct list. */
  private baselineOf(viewers: PresenceViewer[]): Map<string, PresenceViewer> {
    if (sameList(this.sent.listed, viewers)) return this.sent.listed;
    if (this.freshListed?.of !== viewers) this.freshListed = { of: viewers, byId: new Map(viewers.map((viewer) => [viewer.id, viewer])) };
    return this.freshListed.byId;
  }

  /**
   * True when what changed since the last frame is at most the count, for everyone (no listed viewer joined or
   * left, no typing, no snapshot that saw another list): the change a crowd's frames may wait for.
   */
  onlyCountChanged(): boolean {
    if (this.typing.length > 0 || this.stopped.length > 0 || this.freshListed !== null) return false;
    return sameList(this.sent.listed, this.rules.presenceNames ? this.view().listed : NO_VIEWERS);
  }

  /**
   * What changed since the last frame: the delta for the subscribers that were sent the previous frame (null when
   * nothing changed for them), and the fresh subscribers with theirs (since their snapshots). Deltas are shared
   * objects: one per distinct baseline list and "count already current", so fresh subscribers whose snapshot
   * matches the others' get the very same delta (or none), and the hub serializes each object once. Resets the
   * pending typing and moves every baseline to now.
   */
  takeChanges(now: number): { shared: PresenceChange | null; fresh: FreshChanges } {
    const view = this.view();
    const listed = this.rules.presenceNames ? view.listed : NO_VIEWERS;
    const current = sameList(this.sent.listed, listed) ? this.sent.listed : new Map(listed.map((viewer) => [viewer.id, viewer]));
    const { typing, stopped } = this;
    this.typing = [];
    this.stopped = [];
    this.recentlyLeft.clear();
    const shared = delta(this.key, this.sent, current, view.count, typing, stopped);
    // Per baseline list, the delta for a subscriber whose count is current ([0]) and whose count is not ([1]).
    const deltas = new Map<Map<string, PresenceViewer>, [PresenceChange | null | undefined, PresenceChange | null | undefined]>();
    deltas.set(this.sent.listed, this.sent.count === view.count ? [shared, undefined] : [undefined, shared]);
    const sentBefore = this.sent.listed;
    const changeOf = (baseline: FreshBaseline): PresenceChange | null => {
      const listed = typeof baseline === 'number' ? sentBefore : baseline.listed;
      const count = typeof baseline === 'number' ? baseline : baseline.count;
      const known = deltas.get(listed) ?? [undefined, undefined];
      const slot = count === view.count ? 0 : 1;
      known[slot] ??= delta(this.key, { listed, count }, current, view.count, typing, stopped);
      deltas.set(listed, known);
      return known[slot];
    };
    // The baselines are handed over, not copied: a crowd's arrival leaves thousands of them between two frames.
    const fresh = new FreshChanges(this.fresh, changeOf);
    this.fresh = new Map();
    this.freshListed = null;
    this.sent = { listed: current, count: view.count };
    this.lastFrameAt = now;
    return { shared, fresh };
  }

}

/**
 * The fresh subscribers of one frame and what each is to be sent (null: nothing), worked out when asked, once per
 * distinct baseline.
 */
export class FreshChanges {
  constructor(
    private readonly baselines: Map<PresenceConnection, FreshBaseline>,
    private readonly changeOf: (baseline: FreshBaseline) => PresenceChange | null,
  ) {}

  /** What `connection` is to be sent; undefined when it is not fresh (it gets what everyone gets). */
  get(connection: PresenceConnection): PresenceChange | null | undefined {
    const baseline = this.baselines.get(connection);
    return baseline === undefined ? undefined : this.changeOf(baseline);
  }

  /** Each fresh subscriber with its change (forEach: no entry array per subscriber, unlike a for…of). */
  forEach(visit: (change: PresenceChange | null, connection: PresenceConnection) => void): void {
    this.baselines.forEach((baseline, connection) => visit(this.changeOf(baseline), connection));
  }
}

/** Join order: earlier first, then by id (so every node lists the same people in the same order). */
const joinOrder = (a: { id: string; since: number }, b: { id: string; since: number }): number =>
  a.since - b.since || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The delta from `before` to `now` with the pending typing; null when nothing changed. */
function delta(
  key: ImageKey, before: Baseline, now: Map<string, PresenceViewer>, count: number, typing: PendingTyping[], stopped: PendingStop[],
): PresenceChange | null {
  const joined = [...now.values()].filter((viewer) => !sameViewer(before.listed.get(viewer.id), viewer));
  const left = [...before.listed.keys()].filter((id) => !now.has(id));
  const countChanged = count !== before.count;
  if (!countChanged && joined.length === 0 && left.length === 0 && typing.length === 0 && stopped.length === 0) return null;
  const message: PresenceDeltaMessage = {
    type: 'presence', tenantId: key.tenantId, urlId: key.urlId, count,
    ...(joined.length > 0 ? { joined } : {}), ...(left.length > 0 ? { left } : {}),
    ...(typing.length > 0 ? { typing: typing.map((pending) => pending.entry) } : {}),
    ...(stopped.length > 0 ? { stoppedTyping: stopped.map((pending) => pending.entry) } : {}),
  };
  return { delta: message, typing, stopped, countChanged };
}

/** A local person as their node publishes them. */
function personState(id: string, { person, since }: LocalPerson): PresencePersonState {
  return { id, since, ...(person.name !== undefined ? { name: person.name } : {}), ...(person.avatar !== undefined ? { avatar: person.avatar } : {}) };
}

/** True when `listed` holds exactly `viewers`, with the same names and avatars (at most PRESENCE_LIST_MAX each). */
function sameList(listed: Map<string, PresenceViewer>, viewers: PresenceViewer[]): boolean {
  return listed.size === viewers.length && viewers.every((viewer) => sameViewer(listed.get(viewer.id), viewer));
}

/** The same viewer as sent before (a changed name or avatar is sent again in `joined`). */
function sameViewer(before: PresenceViewer | undefined, now: PresenceViewer): boolean {
  return before !== undefined && before.name === now.name && before.avatar === now.avatar;
}
