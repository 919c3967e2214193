/**
 * The widget's look. Site owners theme it with the public `--image-chat-*` custom properties (each has a light
 * and a dark default) and with `::part`; the `--_*` properties are internal and inherit into the marker and
 * thread elements.
 */
import { css, unsafeCSS } from 'lit';
import { FACE_COLOURS } from './face.js';

/** The dark defaults, written once and used by both ways of asking for dark (the OS setting, `theme="dark"`). */
const darkDefaults = unsafeCSS(`
  --_accent: var(--image-chat-accent, #60a5fa);
  --_accent-text: var(--image-chat-accent-text, #0b1220);
  --_bg: var(--image-chat-bg, #1d2127);
  --_fg: var(--image-chat-fg, #e6e8eb);
  --_muted: var(--image-chat-muted, #a2abb6);
  --_border: var(--image-chat-border, #3a414b);
  --_soft: var(--image-chat-soft, #272c33);
  --_live: var(--image-chat-live, #4ade80);
  --_danger: var(--image-chat-danger, #f87171);
  --_resolved: var(--image-chat-resolved, #9ca3af);
  color-scheme: dark;
`);

/**
 * Light defaults, dark defaults (by `prefers-color-scheme` unless `theme` says otherwise), on `<image-chat>`
 * only: its markers and thread inherit the `--_*` properties. (Declared again on their own hosts, which have no
 * `theme` attribute, they would put a `theme="dark"` widget's markers back in light colours.)
 */
export const themeStyles = css`
  :host {
    --_accent: var(--image-chat-accent, #2563eb);
    --_accent-text: var(--image-chat-accent-text, #ffffff);
    --_bg: var(--image-chat-bg, #ffffff);
    --_fg: var(--image-chat-fg, #1f2328);
    --_muted: var(--image-chat-muted, #5b6470);
    --_border: var(--image-chat-border, #d7dbe0);
    --_soft: var(--image-chat-soft, #f3f5f7);
    --_live: var(--image-chat-live, #166534);
    --_danger: var(--image-chat-danger, #c62828);
    --_resolved: var(--image-chat-resolved, #6b7280);
    --_marker-size: var(--image-chat-marker-size, 28px);
    --_radius: var(--image-chat-radius, 10px);
    --_shadow: var(--image-chat-shadow, 0 8px 28px rgb(15 23 42 / 0.22), 0 1px 3px rgb(15 23 42 / 0.12));
    --_thread-width: var(--image-chat-thread-width, 320px);
    --_font: var(--image-chat-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    /* The least size of a control: 24 px (WCAG 2.5.8), 44 px for a finger. */
    --_target: 24px;
    color-scheme: light;
  }
  @media (pointer: coarse) {
    :host { --_target: 44px; }
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) { ${darkDefaults} }
  }
  :host([theme='dark']) { ${darkDefaults} }
`;

/** Buttons, text areas and the composer form, used by the element and the thread. */
export const controlStyles = css`
  button { font: inherit; cursor: pointer; }
  .btn {
    border: 1px solid var(--_border); background: var(--_soft); color: var(--_fg);
    border-radius: 999px; padding: 4px 12px; font-size: 13px; line-height: 20px;
  }
  .btn:hover { border-color: var(--_muted); }
  .btn.primary { background: var(--_accent); border-color: var(--_accent); color: var(--_accent-text); font-weight: 600; }
  .btn.danger { color: var(--_danger); }
  .link { border: 0; background: none; color: var(--_muted); padding: 0 6px; font-size: 12px; }
  .link:hover { color: var(--_fg); text-decoration: underline; }
  button:focus-visible, textarea:focus-visible, input:focus-visible, .layer:focus-visible {
    outline: 2px solid var(--_accent); outline-offset: 2px;
  }
  textarea, input {
    box-sizing: border-box; width: 100%; font: inherit; font-size: 14px; color: var(--_fg);
    background: var(--_bg); border: 1px solid var(--_border); border-radius: 8px; padding: 8px 10px;
  }
  textarea { resize: vertical; min-height: 64px; }
  form { display: grid; gap: 8px; margin: 0; }
  .row { display: flex; gap: 8px; justify-content: flex-end; align-items: center; flex-wrap: wrap; }
  button, input, .sign-in a { min-width: var(--_target); min-height: var(--_target); }
  .sign-in a { display: inline-flex; align-items: center; justify-content: center; }
  /* Text fields at 16 px on phones: iOS zooms into any smaller field it focuses. */
  @media (pointer: coarse), (max-width: 767.98px) {
    textarea, input { font-size: 16px; }
  }
  .visually-hidden {
    position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
  }
`;

/**
 * The element itself: its boundary with the page, image, layer, crosshair, panels and the bar under the image.
 *
 * The boundary: a page's `* { all: unset }` would make the element `inline`, so its display is important and
 * comes from `--image-chat-display` (custom properties survive `all`). Everything else the page's text styles
 * pass down (text-transform, letter-spacing, font, line-height, text-align, …) stops at `.root`, which sets every
 * property back to its initial value and then takes the widget's own font: `--image-chat-font`, or with the
 * `page-font` attribute the page's font family.
 */
export const imageChatStyles = css`
  :host {
    display: var(--image-chat-display, inline-block) !important; position: relative; max-width: 100%;
  }
  :host([hidden]) { display: none !important; }
  .root {
    all: initial; display: block; font-family: var(--_font); color: var(--_fg); line-height: 1.4; color-scheme: inherit;
  }
  :host([page-font]) .root { font-family: inherit; }
  .frame { position: relative; line-height: 0; }
  img { display: block; width: 100%; max-width: 100%; height: auto; border-radius: var(--_radius); user-select: none; }
  /* The page's own image (the progressive embed) keeps the page's styles; only its line box goes. */
  ::slotted(img), ::slotted(picture) { display: block; }
  .layer {
    position: absolute; inset: 0; cursor: crosshair; touch-action: manipulation; border-radius: var(--_radius);
    -webkit-tap-highlight-color: transparent;
  }
  :host([readonly]) .layer { cursor: default; }
  .crosshair {
    position: absolute; width: 34px; height: 34px; transform: translate(-50%, -50%); pointer-events: none;
    border: 2px solid var(--_accent); border-radius: 50%; box-shadow: 0 0 0 3px rgb(255 255 255 / 0.7);
  }
  .crosshair::before, .crosshair::after { content: ''; position: absolute; background: var(--_accent); }
  .crosshair::before { left: 50%; top: -10px; bottom: -10px; width: 2px; transform: translateX(-50%); }
  .crosshair::after { top: 50%; left: -10px; right: -10px; height: 2px; transform: translateY(-50%); }
  .panel {
    position: absolute; z-index: 10; box-sizing: border-box; width: min(var(--_thread-width), calc(100vw - 16px));
    left: var(--_panel-left, 0); top: var(--_panel-top, 0);
    background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border); border-radius: var(--_radius);
    box-shadow: var(--_shadow); line-height: 1.4; padding: 12px; font-size: 14px;
  }
  .pin {
    position: absolute; width: 14px; height: 14px; border-radius: 50%; transform: translate(-50%, -50%);
    background: var(--_accent); border: 2px solid #fff; box-shadow: 0 1px 4px rgb(0 0 0 / 0.4); pointer-events: none;
  }
  /* Over the image's lower edge, so the widget takes exactly the image's box: no layout shift when it upgrades. */
  .bar {
    position: absolute; left: 0; right: 0; bottom: 0; display: flex; align-items: center; gap: 6px;
    flex-wrap: wrap; padding: 8px; font-size: 12px; color: var(--_fg); line-height: 20px; pointer-events: none;
  }
  .bar > * { pointer-events: auto; }
  .count, .hint { padding: 1px 8px; border-radius: 999px; background: color-mix(in srgb, var(--_bg) 88%, transparent); }
  [part='status'] {
    display: inline-flex; align-items: center; gap: 6px; padding: 1px 10px 1px 8px; border-radius: 999px;
    font-weight: 600; font-size: 12px; border: 1px solid var(--_border); background: var(--_soft); color: var(--_muted);
  }
  [part='status']::before { content: ''; width: 8px; height: 8px; border-radius: 50%; background: currentColor; }
  /* The label keeps the width of the longest one (data-widest), so Connecting… → Live shifts no layout. */
  .state { display: inline-grid; }
  .state > span, .state::after { grid-area: 1 / 1; }
  .state::after { content: attr(data-widest); visibility: hidden; }
  [part='status'][data-state='live'] { color: var(--_live); border-color: color-mix(in srgb, var(--_live) 45%, transparent); background: color-mix(in srgb, var(--_live) 12%, var(--_bg)); }
  [part='status'][data-state='connecting']::before { animation: blink 1s infinite; }
  .notice {
    flex-basis: 100%; color: var(--_danger); background: color-mix(in srgb, var(--_danger) 10%, var(--_bg));
    border: 1px solid color-mix(in srgb, var(--_danger) 40%, transparent); border-radius: 8px; padding: 6px 10px;
  }
  .hint, .bar > .sign-in { margin-left: auto; }
  .sign-in a { color: var(--_accent); font-weight: 600; }
  chat-thread { position: absolute; z-index: 10; left: var(--_panel-left, 0); top: var(--_panel-top, 0); }
  @media (max-width: 767.98px) {
    .panel, chat-thread {
      position: fixed; left: 0 !important; right: 0; top: auto !important; bottom: 0; width: 100%;
      max-height: var(--_sheet-max, 75vh); overflow: auto; border-radius: var(--_radius) var(--_radius) 0 0;
    }
  }
  @keyframes blink { 50% { opacity: 0.25; } }
`;

/**
 * One marker button: pending, resolved, movable and newly arrived looks.
 *
 * The disc is `--_marker-size` wide; a transparent border (`--_reach`) around it makes the button itself at
 * least `--_target` square (24 px, 44 px for a finger) without a bigger disc. Its edge is a dark ring outside a white one
 * (`--_ring`), so a marker stands out (3:1) on light and dark pictures alike, whatever the accent colour.
 */
export const markerStyles = css`
  :host {
    position: absolute; transform: translate(-50%, -50%); z-index: 1; line-height: 1;
    --_reach: max(0px, (var(--_target) - var(--_marker-size)) / 2);
    --_ring: inset 0 0 0 1px rgb(15 23 42 / 0.8), inset 0 0 0 3px #fff;
  }
  :host([open]) { z-index: 2; }
  button {
    box-sizing: content-box; width: var(--_marker-size); height: var(--_marker-size); border-radius: 50%;
    display: grid; place-items: center; padding: 0; font-family: inherit; font-size: 13px; font-weight: 700; line-height: 1;
    background: var(--_accent) padding-box; color: var(--_accent-text); border: var(--_reach) solid transparent;
    box-shadow: var(--_ring); filter: drop-shadow(0 1px 3px rgb(0 0 0 / 0.35));
    transition: transform 120ms ease; touch-action: manipulation;
  }
  button:hover, :host([open]) button { transform: scale(1.15); }
  button:focus-visible { outline: 3px solid var(--_accent); outline-offset: calc(3px - var(--_reach)); }
  /* A resolved marker keeps its number, greyed, with a check badge at its corner. */
  button.resolved { background: var(--_resolved) padding-box; position: relative; }
  button.resolved::after {
    content: '✓'; position: absolute; top: -6px; right: -6px; width: 14px; height: 14px; border-radius: 50%;
    font-size: 10px; line-height: 14px; text-align: center; background: var(--_fg); color: var(--_bg);
  }
  button.pending { opacity: 0.65; outline: 2px dashed var(--_accent-text); outline-offset: calc(-5px - var(--_reach)); }
  :host([movable]) button { touch-action: none; cursor: grab; }
  :host([movable]) button:active { cursor: grabbing; }
  button.fresh { animation: arrive 1.2s ease-out 3; }
  :host(:hover), :host(:focus-within) { z-index: 3; }
  .preview {
    display: none; position: absolute; left: 50%; bottom: 100%; transform: translateX(-50%);
    box-sizing: border-box; width: max-content; max-width: min(260px, 80vw); padding: 6px 10px; margin-bottom: 4px;
    background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border); border-radius: 8px;
    box-shadow: var(--_shadow); font-size: 13px; line-height: 1.35; cursor: pointer;
  }
  /* Bridges the gap to the marker, so the pointer can move onto the preview without losing it. */
  .preview::after { content: ''; position: absolute; left: 0; right: 0; top: 100%; height: 6px; }
  /* Not for fingers: a tap opens the thread, and a touch screen's sticky :hover would leave previews behind. */
  @media not all and (pointer: coarse) {
    :host(:hover) .preview { display: block; }
  }
  button:focus-visible + .preview { display: block; }
  .preview-author { display: block; font-weight: 600; }
  .preview-text {
    display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; overflow: hidden;
    white-space: pre-wrap; overflow-wrap: anywhere;
  }
  .preview-count { display: block; margin-top: 2px; font-size: 12px; color: var(--_muted); }
  @keyframes arrive {
    0% { box-shadow: var(--_ring), 0 0 0 0 color-mix(in srgb, var(--_accent) 70%, transparent); }
    100% { box-shadow: var(--_ring), 0 0 0 14px transparent; }
  }
`;

/** The thread panel and its comments. */
export const threadStyles = css`
  :host { display: block; }
  [part='thread'] {
    box-sizing: border-box; width: min(var(--_thread-width), calc(100vw - 16px)); max-height: min(460px, 80vh);
    display: flex; flex-direction: column; background: var(--_bg); color: var(--_fg); font-size: 14px; line-height: 1.45;
    border: 1px solid var(--_border); border-radius: var(--_radius); box-shadow: var(--_shadow); outline: none;
  }
  header { display: flex; align-items: center; gap: 8px; padding: 10px 12px; border-bottom: 1px solid var(--_border); }
  h2 { font-size: 14px; margin: 0; flex: 1; }
  .chip { font-size: 11px; font-weight: 600; padding: 1px 8px; border-radius: 999px; background: var(--_soft); color: var(--_muted); }
  ol { list-style: none; margin: 0; padding: 4px 12px; overflow: auto; flex: 1; }
  li { padding: 8px 0; border-bottom: 1px solid var(--_soft); }
  li:last-child { border-bottom: 0; }
  .meta { display: flex; gap: 6px; align-items: baseline; font-size: 12px; color: var(--_muted); }
  .author { font-weight: 600; color: var(--_fg); }
  .text { margin: 2px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
  .actions { display: flex; gap: 2px; margin-top: 2px; }
  [part='avatar'] { width: 20px; height: 20px; border-radius: 50%; object-fit: cover; align-self: center; }
  .confirm { margin: 0 12px 8px; padding: 8px 10px; border: 1px solid var(--_danger); border-radius: 8px; }
  .confirm p { margin: 0 0 6px; }
  .sign-in a { color: var(--_accent); font-weight: 600; }
  .foot { padding: 10px 12px; border-top: 1px solid var(--_border); display: grid; gap: 8px; }
  .close { border: 0; background: none; color: var(--_muted); font-size: 20px; line-height: 1; padding: 0 4px; }
  .close:hover { color: var(--_fg); }
  .typing { margin: 0; padding: 2px 12px; font-size: 12px; font-style: italic; color: var(--_muted); }
  .typing:empty { padding: 0; }
  @media (max-width: 767.98px) {
    [part='thread'] { width: 100%; max-height: var(--_sheet-max, 75vh); border-radius: var(--_radius) var(--_radius) 0 0; }
  }
`;

/** One class per colour of the faces' palette (face.ts): `.c0` … `.c11`. */
const faceColourClasses = unsafeCSS(FACE_COLOURS.map((colour, index) => `.c${index} { background: ${colour}; }`).join('\n'));

/**
 * The viewers in the bar (presence-faces.ts): overlapping round faces, the count, and the list of names above
 * them on hover, keyboard focus or a tap.
 */
export const presenceStyles = css`
  :host { position: relative; display: inline-flex; }
  .faces {
    display: inline-flex; align-items: center; gap: 6px; padding: 1px 8px 1px 2px; border-radius: 999px;
    border: 1px solid var(--_border); background: color-mix(in srgb, var(--_bg) 88%, transparent); color: var(--_fg);
    font: inherit; font-size: 12px; line-height: 20px; min-height: var(--_target);
  }
  .faces:focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
  .stack { display: inline-flex; }
  .face {
    box-sizing: border-box; width: 22px; height: 22px; border-radius: 50%; margin-left: -6px; flex: none;
    display: inline-grid; place-items: center; font-size: 10px; font-weight: 700; line-height: 1; color: #fff;
    border: 2px solid var(--_bg); object-fit: cover; overflow: hidden; white-space: nowrap;
  }
  .face:first-child { margin-left: 0; }
  .face.more { background: var(--_soft); color: var(--_fg); font-size: 9px; }
  ${faceColourClasses}
  .names {
    display: none; position: absolute; left: 0; bottom: 100%; margin-bottom: 4px; z-index: 5;
    box-sizing: border-box; width: max-content; max-width: min(240px, 80vw); padding: 6px 10px;
    background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border); border-radius: 8px;
    box-shadow: var(--_shadow); font-size: 13px; line-height: 1.35;
  }
  .names.open, .faces:focus-visible + .names:not(.dismissed) { display: block; }
  @media not all and (pointer: coarse) {
    :host(:hover) .names:not(.dismissed) { display: block; }
  }
  .title { display: block; font-weight: 600; margin-bottom: 2px; }
  ul { list-style: none; margin: 0; padding: 0; }
  li { overflow-wrap: anywhere; }
  li.more { color: var(--_muted); }
`;
