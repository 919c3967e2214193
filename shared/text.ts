/**
 * What text the protocol accepts, defined once for the validator (server and widget). Every accepted string
 * is well-formed Unicode without NUL, so both stores hold it byte for byte (PostgreSQL refuses NUL in text and
 * unpaired surrogates in JSON); and it is normalised so the same words are stored the same way.
 *
 * - Comment text: NFC; line breaks become `\n`; tabs kept; every other control character (C0, DEL, C1) removed.
 * - Display names: as text, and also one line, with the invisible characters that spoof or hide a name
 *   (bidi overrides and isolates, zero-width characters, the BOM) removed and runs of spaces collapsed.
 * - Image ids (`urlId`) are keys, never rewritten: a control character or a lone surrogate refuses them.
 */

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** C0 controls but tab and line feed, DEL, and C1 controls. */
const CONTROL_EXCEPT_TAB_LF = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
/** Any C0 control, DEL or C1 control. */
const ANY_CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
const ANY_CONTROL_GLOBAL = new RegExp(ANY_CONTROL.source, 'g');
/**
 * Arabic letter mark, LRM/RLM, embeddings and overrides, isolates, zero-width space/joiners, word joiner, BOM;
 * and the blanks that show nothing yet are not spaces (soft hyphen, combining grapheme joiner, Hangul fillers,
 * Mongolian vowel separator, braille blank, tag characters), with which "A\u00ADnn" looked like "Ann".
 */
const INVISIBLE_IN_NAMES = /[\u00AD\u034F\u061C\u115F\u1160\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\u2800\u3164\uFEFF\uFFA0]|\uDB40[\uDC00-\uDC7F]/g;

/** True when the string holds an unpaired UTF-16 surrogate (not valid Unicode; PostgreSQL's JSON refuses it). */
export const hasLoneSurrogate = (value: string): boolean => LONE_SURROGATE.test(value);

/** True when the string holds a control character (NUL included). */
export const hasControlCharacter = (value: string): boolean => ANY_CONTROL.test(value);

/**
 * A comment's text as stored: NFC, `\r\n` and `\r` as `\n`, controls other than tab and newline removed,
 * trimmed. The caller refuses lone surrogates first.
 * @example cleanText('  a\r\nb\u0000 ') // 'a\nb'
 */
export function cleanText(value: string): string {
  return value.normalize('NFC').replace(/\r\n?/g, '\n').replace(CONTROL_EXCEPT_TAB_LF, '').trim();
}

/**
 * A display name as stored: NFC, one line, no controls or invisible spoofing characters, single spaces, trimmed.
 * @example cleanName(' \u202EAda\u200B  Lovelace\n') // 'Ada Lovelace'
 */
export function cleanName(value: string): string {
  return value.normalize('NFC')
    .replace(/[\t\n\v\f\r\u0085\u2028\u2029]/g, ' ')
    .replace(ANY_CONTROL_GLOBAL, '')
    .replace(INVISIBLE_IN_NAMES, '')
    .replace(/\s+/g, ' ')
    .trim();
}
