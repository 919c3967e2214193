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

export interface LocalViewer {
  person: PresencePerson;
  /** The person's id, or a key of this connection alone when it has none: who a typing signal is from. */
  key: string;
}

interface LocalPerson { person: PresencePerson; connections: number; since: number }

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

/** What a subscriber was last sent: the listed viewers by id, and the count. */
interface Baseline { listed: Map<string, PresenceViewer>; count: number }

/** The merged presence of the image over every node. */
interface MergedView { count: number; listed: PresenceViewer[] }

export class ImagePresence {
  readonly local = new Map<PresenceConnection, LocalViewer>();
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
  /** Subscribers sent a snapshot since the last flush, with what it held. */
  private readonly fresh = new Map<PresenceConnection, Baseline>();
  /** When people who left since the last flush had joined: a resubscribe or a quick reload keeps its place. */
  private readonly recentlyLeft = new Map<string, number>();
  /** Per typer key: when their last typing signal was forwarded, and the threads it is still shown in. */
  readonly typers = new Map<string, { at: number; chats: Set<string> }>();
  /** This node's local people changed since it last published its state. */
  localChanged = true;
  /** When this node next publishes its state as a heartbeat. */
  nextHeartbeat = 0;
  flushTimer: NodeJS.Timeout | null = null;

  constructor(readonly key: ImageKey, readonly topic: string, public rules: PresenceRules, private readonly listMax: number) {}

  get hasLocalViewers(): boolean {
    return this.local.size > 0;
  }

  /** A local subscription joined; `key` is the person's id, or a key of the connection when it has no identity. */
  join(connection: PresenceConnection, person: PresencePerson, key: string, now: number): void {
    this.local.set(connection, { person, key });
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
  leave(connection: PresenceConnection): LocalViewer | undefined {
    const viewer = this.local.get(connection);
    if (!viewer) return undefined;
    this.local.delete(connection);
    this.fresh.delete(connection);
    this.localChanged = true;
    const id = viewer.person.id;
    if (id === null) {
      this.localAnonymous -= 1;
      return viewer;
    }
    const known = this.localPeople.get(id);
    if (known && known.connections > 1) {
      known.connections -= 1;
      return viewer;
    }
    this.localPeople.delete(id);
    if (known) this.recentlyLeft.set(id, known.since);
    this.release(id);
    if (this.listed?.some((listed) => listed.id === id)) this.listed = null;
    return viewer;
  }

  /** The person behind a local subscription changed: it leaves and joins again, keeping its snapshot's baseline. */
  rejoin(connection: PresenceConnection, person: PresencePerson, key: string, now: number): void {
    const baseline = this.fresh.get(connection);
    this.leave(connection);
    this.join(connection, person, key, now);
    if (baseline) this.fresh.set(connection, baseline);
  }

  viewerOf(connection: PresenceConnection): LocalViewer | undefined {
    return this.local.get(connection);
  }

  /** This node's state, as it publishes it. */
  localState(node: string): PresenceStateMessage {
    const people = [...this.localPeople].map(([id, { person, since }]) => ({
      id, since, ...(person.name !== undefined ? { name: person.name } : {}), ...(person.avatar !== undefined ? { avatar: person.avatar } : {}),
    }));
    return { presence: 'state', node, people, anonymous: this.localAnonymous };
  }

  /** Another node's state arrived; an empty one means it holds no viewers of the image any more. */
  remoteState(state: PresenceStateMessage, expiresAt: number): void {
    this.dropRemote(state.node);
    this.listed = null;
    if (state.people.length === 0 && state.anonymous === 0) return;
    this.remote.set(state.node, { people: state.people, anonymous: state.anonymous, expiresAt });
    this.remoteAnonymous += state.anonymous;
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
    for (const [id, { person, since }] of this.localPeople) consider({ id, since, ...(person.name !== undefined ? { name: person.name } : {}), ...(person.avatar !== undefined ? { avatar: person.avatar } : {}) });
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
    const viewers = this.rules.presenceNames ? view.listed : [];
    this.fresh.set(connection, { listed: new Map(viewers.map((viewer) => [viewer.id, viewer])), count: view.count });
    return { type: 'presence', tenantId: this.key.tenantId, urlId: this.key.urlId, count: view.count, snapshot: true, viewers };
  }

  /**
   * What changed since the last flush: the delta for the subscribers that were sent the previous frame (null when
   * nothing changed for them), the fresh subscribers with their own deltas (since their snapshots), and the
   * typers the typing entries come from (their own connections get frames without them). Resets the pending
   * typing and moves every baseline to now.
   */
  takeChanges(): { shared: PresenceChange | null; fresh: Map<PresenceConnection, PresenceChange | null> } {
    const view = this.view();
    const now = new Map((this.rules.presenceNames ? view.listed : []).map((viewer) => [viewer.id, viewer]));
    const { typing, stopped } = this;
    this.typing = [];
    this.stopped = [];
    this.recentlyLeft.clear();
    const shared = delta(this.key, this.sent, now, view.count, typing, stopped);
    const fresh = new Map<PresenceConnection, PresenceChange | null>();
    for (const [connection, baseline] of this.fresh) fresh.set(connection, delta(this.key, baseline, now, view.count, typing, stopped));
    this.fresh.clear();
    this.sent = { listed: now, count: view.count };
    return { shared, fresh };
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

/** The same viewer as sent before (a changed name or avatar is sent again in `joined`). */
function sameViewer(before: PresenceViewer | undefined, now: PresenceViewer): boolean {
  return before !== undefined && before.name === now.name && before.avatar === now.avatar;
}
