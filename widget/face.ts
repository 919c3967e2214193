/**
 * What a viewer's face is made of when there is no picture: their initials on a colour derived from their user
 * id, so one person has the same colour in every window and on every visit. The colours are a fixed palette in
 * the stylesheet (a class per colour), not inline styles, which a site's `style-src` policy would block.
 */

/** Hues of the palette, 30° apart: twelve are told apart at a glance, and few viewers share one. */
const FACE_HUES = Array.from({ length: 12 }, (_unused, index) => index * 30);

/**
 * The palette: each hue at a lightness where white initials keep a contrast of at least 4.5:1 (WCAG AA for small
 * text), the worst case being yellow.
 */
export const FACE_COLOURS: readonly string[] = FACE_HUES.map((hue) => `hsl(${hue} 55% 30%)`);

/** The palette index of a user id (FNV-1a of its UTF-16 units): stable, and spread over the palette. */
export function faceColourIndex(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % FACE_COLOURS.length;
}

/**
 * Up to two initials: of the first and last word, whole characters (an emoji or an accented letter is not cut in
 * half), upper-cased. "?" for a name with no letters to take.
 * @example initialsOf('Ann van Dijk') // 'AD'
 */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter((word) => word !== '');
  const first = words[0];
  if (first === undefined) return '?';
  const initial = (word: string): string => (Array.from(word)[0] ?? '').toLocaleUpperCase();
  const last = words.length > 1 ? words[words.length - 1]! : '';
  return initial(first) + (last ? initial(last) : '');
}

/** True for an avatar URL a face may load: `https:` (or `http:`) only, as the server sends SSO avatars. */
export function isFaceAvatar(url: string | undefined): url is string {
  if (url === undefined) return false;
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
