/** Geometry of the widget: image ids from URLs, and where a panel goes beside a spot. */

/** The image's id when no `url-id` is given: its absolute URL without query or hash. */
export function defaultUrlId(src: string, base: string): string {
  const url = new URL(src, base);
  url.search = '';
  url.hash = '';
  return url.href;
}

/** `value` kept within [min, max]. */
export const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/** Distance between a spot and the panel beside it, and between a panel and the viewport's edge. */
const GAP_PX = 22;
const EDGE_PX = 8;

/**
 * Places an absolutely positioned panel (thread or composer) beside the spot (x, y), relative to `frame`, on the
 * side where it fits, and inside the viewport. It sets `--_panel-left`/`--_panel-top`; on narrow screens the
 * stylesheet ignores them and shows a bottom sheet.
 */
export function placePanel(panel: HTMLElement, frame: HTMLElement, x: number, y: number): void {
  const box = frame.getBoundingClientRect();
  const spotX = box.left + x * box.width;
  const spotY = box.top + y * box.height;
  const width = panel.offsetWidth;
  const height = panel.offsetHeight;
  const viewWidth = document.documentElement.clientWidth;
  const viewHeight = window.innerHeight;
  let left = spotX + GAP_PX;
  if (left + width > viewWidth - EDGE_PX) left = spotX - GAP_PX - width;
  left = clamp(left, EDGE_PX, Math.max(EDGE_PX, viewWidth - width - EDGE_PX));
  const top = clamp(spotY - GAP_PX, EDGE_PX, Math.max(EDGE_PX, viewHeight - height - EDGE_PX));
  panel.style.setProperty('--_panel-left', `${Math.round(left - box.left)}px`);
  panel.style.setProperty('--_panel-top', `${Math.round(top - box.top)}px`);
}

/** The least height a bottom sheet keeps, however little room its spot leaves below it. */
const SHEET_MIN_PX = 160;

/**
 * On a narrow screen the panel is a bottom sheet (the stylesheet makes it `position: fixed`): keeps `spot` (the
 * open marker, or the new-marker pin) visible above it. When the sheet would cover the spot, the page scrolls it
 * up (never past the viewport's top), and the sheet's height is capped at the room left below the spot
 * (`--_sheet-max`; its content scrolls inside). Beside a spot, as a popover, it does nothing.
 */
export function keepAboveSheet(panel: HTMLElement, spot: Element | null): void {
  if (!spot || getComputedStyle(panel).position !== 'fixed') {
    panel.style.removeProperty('--_sheet-max');
    return;
  }
  const viewHeight = window.innerHeight;
  const room = () => viewHeight - spot.getBoundingClientRect().bottom - EDGE_PX;
  const covered = panel.getBoundingClientRect().height - room();
  if (covered > 0) window.scrollBy(0, Math.min(covered, Math.max(0, spot.getBoundingClientRect().top - EDGE_PX)));
  panel.style.setProperty('--_sheet-max', `${Math.round(Math.min(viewHeight * 0.75, Math.max(SHEET_MIN_PX, room())))}px`);
}
