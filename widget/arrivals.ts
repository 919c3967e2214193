/**
 * Markers that others add while the reader watches: each is highlighted for a few seconds and announced to
 * screen readers. A Lit reactive controller; its timers end with the element.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Chat } from '../shared/index.js';
import type { Strings } from './i18n.js';

/** How long a marker that arrived live stays highlighted. */
const FRESH_MS = 4000;

export class ArrivalsController implements ReactiveController {
  /** Ids of the markers highlighted now. */
  fresh: ReadonlySet<string> = new Set();
  /** The text of the live region ("New marker 4 by Bob."). */
  announcement = '';
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Marks `ids` as just arrived; `chats` (in marker order) name their number and author. */
  arrived(ids: readonly string[], chats: readonly Chat[], strings: Strings): void {
    if (ids.length === 0) return;
    this.fresh = new Set([...this.fresh, ...ids]);
    const lines = ids
      .map((id) => chats.findIndex((chat) => chat.id === id))
      .filter((index) => index >= 0)
      .map((index) => strings.arrived(index + 1, chats[index]!.author.name));
    if (lines.length > 0) this.announcement = lines.join(' ');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const fresh = new Set(this.fresh);
      for (const id of ids) fresh.delete(id);
      this.fresh = fresh;
      this.host.requestUpdate();
    }, FRESH_MS);
    this.timers.add(timer);
    this.host.requestUpdate();
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.fresh = new Set();
  }
}
