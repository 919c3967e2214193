/**
 * What others do while the reader watches: markers they add are highlighted for a few seconds and announced
 * to screen readers, and so are their replies and edits (politely: the element's live region is
 * `aria-live="polite"`). A Lit reactive controller; its timers end with the element.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Chat } from '../shared/index.js';
import type { Strings } from './i18n.js';
import type { Remark } from './store.js';

/** How long a marker that arrived live stays highlighted. */
const FRESH_MS = 4000;

export class ArrivalsController implements ReactiveController {
  /** Ids of the markers highlighted now. */
  fresh: ReadonlySet<string> = new Set();
  /** The text of the live region ("New marker 4 by Bob.", "Bob replied on marker 2."). */
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
      .map((index) => strings.arrived(chats[index]!.number, chats[index]!.author.name));
    this.announce(lines);
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

  /** Announces comments others added or edited (`chats`, in marker order, give the marker's number). */
  remarked(remarks: readonly Remark[], chats: readonly Chat[], strings: Strings): void {
    const lines = remarks.flatMap((remark) => {
      const index = chats.findIndex((chat) => chat.id === remark.chatId);
      if (index < 0) return [];
      const { number } = chats[index]!;
      return [remark.change === 'comment-added' ? strings.replied(number, remark.author) : strings.commentEdited(number, remark.author)];
    });
    this.announce(lines); // called while the host updates: the render that follows shows it
  }

  /**
   * Puts `lines` in the live region; true when there were any. The same words twice in a row differ by a
   * trailing no-break space, so the region changes and screen readers speak them again.
   */
  private announce(lines: readonly string[]): boolean {
    if (lines.length === 0) return false;
    const text = lines.join(' ');
    this.announcement = this.announcement === text ? `${text}\u00a0` : text;
    return true;
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.fresh = new Set();
  }
}
