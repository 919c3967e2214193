/**
 * The widget's strings in English and Dutch. `locale` picks one; without it the browser's language does, and
 * anything else falls back to English. User text never passes through here.
 */
import type { ErrorCode } from '../shared/index.js';
import type { IndicatorState } from './connection.js';

/** Every string the widget shows, for one language. */
export interface Strings {
  lang: string;
  status: Record<IndicatorState, string>;
  markerCount(count: number): string;
  hint: string;
  imageLabel: string;
  crosshairHint: string;
  markerLabel(index: number, author: string, firstWords: string): string;
  threadTitle(index: number): string;
  arrived(index: number, author: string): string;
  /** The reply count in a marker's preview. */
  replyCount(count: number): string;
  /** Someone else's reply came in live (announced). */
  replied(index: number, author: string): string;
  /** Someone else edited a comment, live (announced). */
  commentEdited(index: number, author: string): string;
  namePlaceholder: string;
  commentPlaceholder: string;
  replyPlaceholder: string;
  post: string;
  reply: string;
  cancel: string;
  close: string;
  edit: string;
  save: string;
  delete: string;
  deleteMarker: string;
  move: string;
  resolve: string;
  reopen: string;
  resolved: string;
  edited: string;
  sending: string;
  offlineWrite: string;
  readonly: string;
  error(code: ErrorCode, message: string): string;
  /** The server would not show this image's conversations (unknown tenant, page origin not allowed, …). */
  imageRefused(message: string): string;
  /** Why the widget cannot work at all, shown in place of the live indicator (see `ImageChat`'s problems). */
  problem: Record<'no-tenant' | 'no-server' | 'no-image' | 'image-failed', string>;
  /** Writes need a signed-in person (the tenant's rule `sso-only`). */
  signIn: string;
  /** Beside a simple-SSO author: the page named them, the site did not sign them. */
  unverified: string;
  confirmComment(author: string): string;
  confirmMarker(number: number, author: string, replies: number): string;
  /** The page's sign-in was refused (`sso-*` codes, or `forbidden`: simple SSO is off). */
  signInRefused(code: ErrorCode, message: string): string;
  /** Presence in the bar: how many people view the image now, the reader included. */
  viewing(count: number): string;
  /** The heading of the list of viewers' names. */
  viewingNow: string;
  /** Beside the reader's own name in that list. */
  you: string;
  /** The last line of that list: people counted but not named (anonymous guests, or beyond the list). */
  moreViewers(count: number): string;
  /** Who is writing a reply in the open thread; each entry a name, or undefined for an anonymous guest. '' for nobody. */
  typing(names: readonly (string | undefined)[]): string;
}

/**
 * "Ann is typing…", "Someone is typing…", "Ann and Bob are typing…", "3 people are typing…": the shape of the
 * sentence for `names`, each language filling in its words.
 */
function typingSentence(
  names: readonly (string | undefined)[],
  words: { one(name: string): string; someone: string; two(a: string, b: string): string; many(count: number): string },
): string {
  const [first, second] = names;
  if (names.length === 0) return '';
  if (names.length === 1) return first === undefined ? words.someone : words.one(first);
  if (names.length === 2 && first !== undefined && second !== undefined) return words.two(first, second);
  return words.many(names.length);
}

const en: Strings = {
  lang: 'en',
  status: { live: 'Live', connecting: 'Connecting…', offline: 'Offline' },
  markerCount: (count) => (count === 1 ? '1 marker' : `${count} markers`),
  hint: 'Click or tap the image to start a conversation',
  imageLabel: 'Image with comments. Press Enter to add a marker with the keyboard.',
  crosshairHint: 'Arrow keys move the crosshair (Shift for bigger steps), Enter places a marker, Escape cancels.',
  markerLabel: (number, author, words) => `${number > 0 ? `Marker ${number}` : 'New marker'} by ${author}: ${words}`,
  threadTitle: (number) => (number > 0 ? `Marker ${number}` : 'New marker'),
  arrived: (index, author) => `New marker ${index} by ${author}.`,
  replyCount: (count) => (count === 0 ? 'No replies' : count === 1 ? '1 reply' : `${count} replies`),
  replied: (index, author) => `${author} replied on marker ${index}.`,
  commentEdited: (index, author) => `${author} edited a comment on marker ${index}.`,
  namePlaceholder: 'Your name',
  commentPlaceholder: 'Write a comment…',
  replyPlaceholder: 'Reply…',
  post: 'Post',
  reply: 'Reply',
  cancel: 'Cancel',
  close: 'Close',
  edit: 'Edit',
  save: 'Save',
  delete: 'Delete',
  deleteMarker: 'Delete marker',
  move: 'Move',
  resolve: 'Resolve',
  reopen: 'Reopen',
  resolved: 'Resolved',
  edited: 'edited',
  sending: 'Sending…',
  offlineWrite: 'You are offline, so this change was not saved. Markers stay readable; try again when Live.',
  readonly: 'Read only',
  imageRefused: (message) => `Conversations on this image cannot be shown: ${message}.`,
  problem: {
    'no-tenant': 'Conversations cannot be shown: this widget has no tenant-id.',
    'no-server': 'Conversations cannot be shown: this widget has no server (the server attribute, or configure()).',
    'no-image': 'Conversations cannot be shown: this widget has no image (an <img> inside it, or src).',
    'image-failed': 'The image could not be loaded, so no markers can be placed on it.',
  },
  signIn: 'Sign in to comment',
  unverified: 'unverified',
  confirmComment: (author) => `Delete this comment by ${author}?`,
  confirmMarker: (number, author, replies) => `Delete marker ${number} by ${author}${replies === 0 ? '' : replies === 1 ? ' and its reply' : ` and its ${replies} replies`}?`,
  signInRefused: (code, message) => `Not signed in: ${({
    'sso-signature': 'bad signature',
    'sso-expired': 'sign-in too old; reload',
    'sso-future': 'sign-in dated in the future',
    'sso-encoding': 'unreadable user',
    'sso-json': 'user is not JSON',
    'sso-user': 'invalid user',
    'sso-not-set-up': 'sign-in not set up',
    forbidden: 'unsigned names not allowed',
  } as Partial<Record<ErrorCode, string>>)[code] ?? message}.`,
  viewing: (count) => `${count} viewing`,
  viewingNow: 'Viewing now',
  you: 'you',
  moreViewers: (count) => (count === 1 ? '1 more person' : `${count} more people`),
  typing: (names) => typingSentence(names, {
    one: (name) => `${name} is typing…`,
    someone: 'Someone is typing…',
    two: (a, b) => `${a} and ${b} are typing…`,
    many: (count) => `${count} people are typing…`,
  }),
  error: (code, message) => {
    switch (code) {
      case 'forbidden': return `Not allowed: ${message}.`;
      case 'sign-in-required': return 'Sign in to comment.';
      case 'rate-limited': return 'Too many changes at once; wait a moment and try again.';
      case 'too-large': return `Too long: ${message}.`;
      case 'limit-reached': return `Limit reached: ${message}.`;
      case 'unavailable': return `Not saved: ${message}.`;
      default: return `Not saved (${code}): ${message}.`;
    }
  },
};

const nl: Strings = {
  lang: 'nl',
  status: { live: 'Live', connecting: 'Verbinden…', offline: 'Offline' },
  markerCount: (count) => (count === 1 ? '1 markering' : `${count} markeringen`),
  hint: 'Klik of tik op de afbeelding om een gesprek te beginnen',
  imageLabel: 'Afbeelding met opmerkingen. Druk op Enter om met het toetsenbord een markering te plaatsen.',
  crosshairHint: 'Pijltjestoetsen verplaatsen het vizier (Shift voor grotere stappen), Enter plaatst een markering, Escape annuleert.',
  markerLabel: (number, author, words) => `${number > 0 ? `Markering ${number}` : 'Nieuwe markering'} van ${author}: ${words}`,
  threadTitle: (number) => (number > 0 ? `Markering ${number}` : 'Nieuwe markering'),
  arrived: (index, author) => `Nieuwe markering ${index} van ${author}.`,
  replyCount: (count) => (count === 0 ? 'Geen reacties' : count === 1 ? '1 reactie' : `${count} reacties`),
  replied: (index, author) => `${author} reageerde op markering ${index}.`,
  commentEdited: (index, author) => `${author} bewerkte een opmerking bij markering ${index}.`,
  namePlaceholder: 'Je naam',
  commentPlaceholder: 'Schrijf een opmerking…',
  replyPlaceholder: 'Reageer…',
  post: 'Plaatsen',
  reply: 'Reageren',
  cancel: 'Annuleren',
  close: 'Sluiten',
  edit: 'Bewerken',
  save: 'Opslaan',
  delete: 'Verwijderen',
  deleteMarker: 'Markering verwijderen',
  move: 'Verplaatsen',
  resolve: 'Afronden',
  reopen: 'Heropenen',
  resolved: 'Afgerond',
  edited: 'bewerkt',
  sending: 'Versturen…',
  offlineWrite: 'Je bent offline, dus deze wijziging is niet opgeslagen. Markeringen blijven leesbaar; probeer het opnieuw zodra het Live is.',
  readonly: 'Alleen lezen',
  imageRefused: (message) => `Gesprekken bij deze afbeelding kunnen niet getoond worden: ${message}.`,
  problem: {
    'no-tenant': 'Gesprekken kunnen niet getoond worden: deze widget heeft geen tenant-id.',
    'no-server': 'Gesprekken kunnen niet getoond worden: deze widget heeft geen server (het server-attribuut, of configure()).',
    'no-image': 'Gesprekken kunnen niet getoond worden: deze widget heeft geen afbeelding (een <img> erin, of src).',
    'image-failed': 'De afbeelding kon niet geladen worden, dus er kunnen geen markeringen op geplaatst worden.',
  },
  signIn: 'Log in om te reageren',
  unverified: 'niet geverifieerd',
  confirmComment: (author) => `Deze opmerking van ${author} verwijderen?`,
  confirmMarker: (number, author, replies) => `Markering ${number} van ${author}${replies === 0 ? '' : replies === 1 ? ' met de reactie' : ` met de ${replies} reacties`} verwijderen?`,
  signInRefused: (code, message) => `Niet ingelogd: ${({
    'sso-signature': 'ongeldige handtekening',
    'sso-expired': 'aanmelding te oud; herlaad',
    'sso-future': 'aanmelding in de toekomst gedateerd',
    'sso-encoding': 'onleesbare gebruiker',
    'sso-json': 'gebruiker is geen JSON',
    'sso-user': 'ongeldige gebruiker',
    'sso-not-set-up': 'inloggen niet ingericht',
    forbidden: 'ongecontroleerde namen niet toegestaan',
  } as Partial<Record<ErrorCode, string>>)[code] ?? message}.`,
  viewing: (count) => `${count} kijken mee`,
  viewingNow: 'Kijken nu mee',
  you: 'jij',
  moreViewers: (count) => (count === 1 ? 'nog 1 persoon' : `nog ${count} personen`),
  typing: (names) => typingSentence(names, {
    one: (name) => `${name} typt…`,
    someone: 'Iemand typt…',
    two: (a, b) => `${a} en ${b} typen…`,
    many: (count) => `${count} mensen typen…`,
  }),
  error: (code, message) => {
    switch (code) {
      case 'forbidden': return `Niet toegestaan: ${message}.`;
      case 'sign-in-required': return 'Log in om te reageren.';
      case 'rate-limited': return 'Te veel wijzigingen tegelijk; wacht even en probeer het opnieuw.';
      case 'too-large': return `Te lang: ${message}.`;
      case 'limit-reached': return `Limiet bereikt: ${message}.`;
      case 'unavailable': return `Niet opgeslagen: ${message}.`;
      default: return `Niet opgeslagen (${code}): ${message}.`;
    }
  },
};

const LOCALES: Record<string, Strings> = { en, nl };

/**
 * The strings for a locale such as `nl`, `nl-BE` or `en-GB`; without one, the browser's language.
 * @example stringsFor('nl-BE').post // 'Plaatsen'
 */
export function stringsFor(locale: string | undefined): Strings {
  const wanted = locale || (typeof navigator !== 'undefined' ? navigator.language : '') || 'en';
  return LOCALES[wanted.toLowerCase().split('-')[0] ?? 'en'] ?? en;
}

/** "3 min ago" in the strings' language. */
export function relativeTime(strings: Strings, at: number, now = Date.now()): string {
  const seconds = Math.round((at - now) / 1000);
  const format = new Intl.RelativeTimeFormat(strings.lang, { numeric: 'auto', style: 'short' });
  const abs = Math.abs(seconds);
  if (abs < 45) return format.format(0, 'second');
  if (abs < 45 * 60) return format.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return format.format(Math.round(seconds / 3600), 'hour');
  return format.format(Math.round(seconds / 86400), 'day');
}
