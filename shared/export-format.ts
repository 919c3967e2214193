/**
 * The two export formats of a tenant's conversations (docs/api.md#export-and-import), and the check of a plain
 * export read back for import:
 * - plain JSON (`ChatExport`): per image, its chats exactly as a snapshot has them, with a format version. It is
 *   what `import` takes, so it keeps everything (ids, authors, times, coordinates, resolved, edits);
 * - W3C Web Annotation JSON-LD (`toWebAnnotations`): each marker an `Annotation` on the image, each further
 *   comment a reply to it. For other tools; it is not imported.
 */
import { LIMITS } from './limits.js';
import type { Author, Chat, Comment } from './model.js';
import { isSafeAvatarUrl } from './sso.js';
import { hasLoneSurrogate } from './text.js';

/** The plain export's format name and version: a reader refuses versions it does not know. */
export const CHAT_EXPORT_FORMAT = 'image-chat-export';
export const CHAT_EXPORT_VERSION = 1;

/** One image of a plain export. */
export interface ExportedImage {
  urlId: string;
  /** As a snapshot has them: chats by creation, each thread in the order its comments were added. */
  chats: Chat[];
}

/** A plain export: one image's or a whole tenant's conversations. */
export interface ChatExport {
  format: typeof CHAT_EXPORT_FORMAT;
  version: typeof CHAT_EXPORT_VERSION;
  /** The tenant it was exported from (an import may go to any tenant). */
  tenantId: string;
  /** ISO 8601. */
  exportedAt: string;
  images: ExportedImage[];
}

export const EXPORT_FORMATS = { jsonld: 'jsonld', json: 'json' } as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[keyof typeof EXPORT_FORMATS];

/** Why a file is not a plain export this version can import, naming where (`images[2].chats[0].x`). */
export class ExportFormatError extends Error {}

type Fields = Record<string, unknown>;

/** Longest author id read back: `sso:` and an SSO user id of up to 256 characters, with room for other prefixes. */
const MAX_AUTHOR_ID_LENGTH = 300;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

function object(value: unknown, at: string): Fields {
  if (!isObject(value)) throw new ExportFormatError(`${at} must be an object`);
  return value;
}

/**
 * Text both stores hold byte for byte, as every write's is (text.ts): no half characters (PostgreSQL's JSON
 * refuses them) and no control characters but, in comments, tab and newline.
 */
function wellFormed(value: string, field: string, allowLineBreaks = false): string {
  const controls = allowLineBreaks ? /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/ : /[\u0000-\u001F\u007F-\u009F]/;
  if (hasLoneSurrogate(value) || controls.test(value)) throw new ExportFormatError(`${field} holds half a character or a control character`);
  return value;
}

function string(fields: Fields, name: string, at: string, max: number): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.length < 1 || value.length > max) throw new ExportFormatError(`${at}.${name} must be a string of 1 to ${max} characters`);
  return wellFormed(value, `${at}.${name}`);
}

function time(fields: Fields, name: string, at: string): number {
  const value = fields[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ExportFormatError(`${at}.${name} must be milliseconds since the epoch`);
  return value;
}

/** A marker's number: absent in exports made before numbers existed (0: the importing server numbers it). */
function markerNumber(fields: Fields, at: string): number {
  const value = fields.number;
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) throw new ExportFormatError(`${at}.number must be a whole number from 0`);
  return value;
}

function fraction(fields: Fields, name: string, at: string): number {
  const value = fields[name];
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new ExportFormatError(`${at}.${name} must be a number from 0 to 1`);
  return value;
}

function array(fields: Fields, name: string, at: string, max: number): unknown[] {
  const value = fields[name];
  if (!Array.isArray(value) || value.length > max) throw new ExportFormatError(`${at}.${name} must be an array of at most ${max}`);
  return value;
}

function author(value: unknown, at: string): Author {
  const fields = object(value, at);
  const id = string(fields, 'id', at, MAX_AUTHOR_ID_LENGTH);
  // Counted in characters: a signed-in person's name is cut at MAX_NAME_LENGTH characters, not UTF-16 units.
  const name = typeof fields.name === 'string' && Array.from(fields.name).length <= LIMITS.MAX_NAME_LENGTH ? wellFormed(fields.name, `${at}.name`) : null;
  if (name === null) throw new ExportFormatError(`${at}.name must be a string of at most ${LIMITS.MAX_NAME_LENGTH} characters`);
  if (fields.avatar === undefined) return { id, name };
  // The widget shows it as an image: held to the rule of a signed-in person's avatar, whoever made the file.
  if (!isSafeAvatarUrl(fields.avatar)) throw new ExportFormatError(`${at}.avatar must be an https URL or a small data:image URL`);
  return { id, name, avatar: fields.avatar };
}

function comment(value: unknown, at: string): Comment {
  const fields = object(value, at);
  const text = fields.text;
  if (typeof text !== 'string' || text.length > LIMITS.MAX_TEXT_LENGTH) throw new ExportFormatError(`${at}.text must be a string of at most ${LIMITS.MAX_TEXT_LENGTH} characters`);
  wellFormed(text, `${at}.text`, true);
  const editedAt = fields.editedAt === null ? null : time(fields, 'editedAt', at);
  return { id: string(fields, 'id', at, LIMITS.MAX_ID_LENGTH), author: author(fields.author, `${at}.author`), text, createdAt: time(fields, 'createdAt', at), editedAt };
}

function chat(value: unknown, at: string): Chat {
  const fields = object(value, at);
  if (typeof fields.resolved !== 'boolean') throw new ExportFormatError(`${at}.resolved must be true or false`);
  const comments = array(fields, 'comments', at, LIMITS.MAX_COMMENTS_PER_CHAT).map((c, i) => comment(c, `${at}.comments[${i}]`));
  if (comments.length === 0) throw new ExportFormatError(`${at}.comments must hold the marker's first comment`);
  return {
    id: string(fields, 'id', at, LIMITS.MAX_ID_LENGTH), number: markerNumber(fields, at), x: fraction(fields, 'x', at), y: fraction(fields, 'y', at),
    author: author(fields.author, `${at}.author`), createdAt: time(fields, 'createdAt', at), resolved: fields.resolved, comments,
  };
}

/**
 * Narrows a file read for import to a plain export of this version, or throws `ExportFormatError`.
 * @example
 * const parsed = parseChatExport(JSON.parse(readFileSync(file, 'utf8')));
 */
export function parseChatExport(value: unknown): ChatExport {
  const fields = object(value, 'the export');
  if (fields.format !== CHAT_EXPORT_FORMAT) throw new ExportFormatError(`"format" must be "${CHAT_EXPORT_FORMAT}" (a JSON-LD export cannot be imported)`);
  if (fields.version !== CHAT_EXPORT_VERSION) throw new ExportFormatError(`"version" ${JSON.stringify(fields.version)} is not one this server reads (${CHAT_EXPORT_VERSION})`);
  const images = array(fields, 'images', 'the export', Number.MAX_SAFE_INTEGER).map((image, i): ExportedImage => {
    const at = `images[${i}]`;
    const imageFields = object(image, at);
    return {
      urlId: string(imageFields, 'urlId', at, LIMITS.MAX_URL_ID_LENGTH),
      chats: array(imageFields, 'chats', at, LIMITS.MAX_CHATS_PER_IMAGE).map((c, j) => chat(c, `${at}.chats[${j}]`)),
    };
  });
  return {
    format: CHAT_EXPORT_FORMAT, version: CHAT_EXPORT_VERSION, tenantId: string(fields, 'tenantId', 'the export', LIMITS.MAX_TENANT_ID_LENGTH),
    exportedAt: typeof fields.exportedAt === 'string' ? fields.exportedAt : '', images,
  };
}

// ---- W3C Web Annotation JSON-LD ----

/** The Web Annotation context, and the small one of our own terms (`ic:resolved`). */
export const WEB_ANNOTATION_CONTEXT = [
  'http://www.w3.org/ns/anno.jsonld',
  { ic: 'urn:image-chat:terms#', 'ic:resolved': { '@type': 'http://www.w3.org/2001/XMLSchema#boolean' } },
] as const;

/**
 * An annotation's id: `urn:image-chat:<tenant>:<chatId>` for a marker, `…:<chatId>:<commentId>` for a comment.
 * The parts are percent-encoded (RFC 3986), so an id holding `:` cannot run into the next part.
 */
export function annotationUrn(tenantId: string, chatId: string, commentId?: string): string {
  const parts = [tenantId, chatId, ...(commentId === undefined ? [] : [commentId])].map(encodeURIComponent);
  return `urn:image-chat:${parts.join(':')}`;
}

/** A relative coordinate (0..1) as a media fragment percentage, without float noise (0.07 → "7", not "7.000000000000001"). */
const percent = (fraction: number): string => String(Number((fraction * 100).toFixed(6)));

/** The media fragment of a point: a zero-size `xywh` rectangle at the marker, in percent of the image. */
export const pointFragment = (x: number, y: number): string => `xywh=percent:${percent(x)},${percent(y)},0,0`;

const iso = (ms: number): string => new Date(ms).toISOString();

const creator = (tenantId: string, who: Author) =>
  ({ id: `urn:image-chat:${encodeURIComponent(tenantId)}:author:${encodeURIComponent(who.id)}`, type: 'Person', name: who.name });

function textBody(tenantId: string, chatId: string, c: Comment) {
  return {
    id: annotationUrn(tenantId, chatId, c.id), type: 'TextualBody', purpose: 'commenting', value: c.text, format: 'text/plain',
    creator: creator(tenantId, c.author), created: iso(c.createdAt), ...(c.editedAt === null ? {} : { modified: iso(c.editedAt) }),
  };
}

/** One marker as annotations: the marker (its first comment the body), then one `replying` annotation per further comment. */
function chatAnnotations(tenantId: string, urlId: string, marker: Chat): Record<string, unknown>[] {
  const id = annotationUrn(tenantId, marker.id);
  const [first, ...replies] = marker.comments;
  const annotation = {
    id, type: 'Annotation', motivation: 'commenting', creator: creator(tenantId, marker.author), created: iso(marker.createdAt),
    'ic:resolved': marker.resolved,
    ...(first === undefined ? {} : { body: textBody(tenantId, marker.id, first) }),
    target: { source: urlId, selector: { type: 'FragmentSelector', conformsTo: 'http://www.w3.org/TR/media-frags/', value: pointFragment(marker.x, marker.y) } },
  };
  return [annotation, ...replies.map((reply) => ({
    id: annotationUrn(tenantId, marker.id, reply.id), type: 'Annotation', motivation: 'replying',
    creator: creator(tenantId, reply.author), created: iso(reply.createdAt), ...(reply.editedAt === null ? {} : { modified: iso(reply.editedAt) }),
    body: { type: 'TextualBody', purpose: 'replying', value: reply.text, format: 'text/plain' },
    target: id,
  }))];
}

/**
 * A plain export as one JSON-LD document of Web Annotations (in `@graph`, image by image, each marker followed
 * by its replies).
 * @example
 * const doc = toWebAnnotations(exported); // doc['@graph'][0].target.selector.value === 'xywh=percent:42,31,0,0'
 */
export function toWebAnnotations(exported: ChatExport): { '@context': typeof WEB_ANNOTATION_CONTEXT; '@graph': Record<string, unknown>[] } {
  return {
    '@context': WEB_ANNOTATION_CONTEXT,
    '@graph': exported.images.flatMap((image) => image.chats.flatMap((marker) => chatAnnotations(exported.tenantId, image.urlId, marker))),
  };
}
