/** The keyboard crosshair: a spot on the image, moved with the arrow keys, where Enter adds or moves a marker. */
import { clamp } from './placement.js';

export interface Crosshair {
  x: number;
  y: number;
  /** The marker being moved; without it, Enter opens the composer at the spot. */
  moving?: string;
}

/** Crosshair steps, as a fraction of the image: a fine one, and one with Shift. */
const STEP = 0.02;
const BIG_STEP = 0.1;

type CrosshairAction =
  | { type: 'show' }
  | { type: 'moved'; crosshair: Crosshair }
  | { type: 'place'; crosshair: Crosshair }
  | { type: 'cancel'; crosshair: Crosshair };

const ARROWS: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/**
 * What a key pressed on the image does. Null: nothing, and the key is left to the page (Tab, scrolling).
 * @example crosshairKey('ArrowRight', true, { x: 0.5, y: 0.5 }) // { type: 'moved', crosshair: { x: 0.6, y: 0.5 } }
 */
export function crosshairKey(key: string, shift: boolean, crosshair: Crosshair | null): CrosshairAction | null {
  if (key === 'Enter' || key === ' ') return crosshair ? { type: 'place', crosshair } : { type: 'show' };
  if (!crosshair) return null;
  if (key === 'Escape') return { type: 'cancel', crosshair };
  const arrow = ARROWS[key];
  if (!arrow) return null;
  const step = shift ? BIG_STEP : STEP;
  return { type: 'moved', crosshair: { ...crosshair, x: clamp(crosshair.x + arrow[0] * step, 0, 1), y: clamp(crosshair.y + arrow[1] * step, 0, 1) } };
}
