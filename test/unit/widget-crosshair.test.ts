import { expect, test } from 'vitest';
import { crosshairKey } from '../../widget/crosshair.js';

test('Enter shows the crosshair, then places it; arrows move it within the image; Escape cancels', () => {
  expect(crosshairKey('Enter', false, null)).toEqual({ type: 'show' });
  expect(crosshairKey('ArrowLeft', false, null)).toBeNull(); // without a crosshair, arrows scroll the page
  expect(crosshairKey('ArrowRight', false, { x: 0.5, y: 0.5 })).toEqual({ type: 'moved', crosshair: { x: 0.52, y: 0.5 } });
  expect(crosshairKey('ArrowUp', true, { x: 0.5, y: 0.05, moving: 'c1' })).toEqual({ type: 'moved', crosshair: { x: 0.5, y: 0, moving: 'c1' } });
  expect(crosshairKey(' ', false, { x: 0.3, y: 0.4 })).toEqual({ type: 'place', crosshair: { x: 0.3, y: 0.4 } });
  expect(crosshairKey('Escape', false, { x: 0.3, y: 0.4 })).toEqual({ type: 'cancel', crosshair: { x: 0.3, y: 0.4 } });
  expect(crosshairKey('Tab', false, { x: 0.3, y: 0.4 })).toBeNull();
});
