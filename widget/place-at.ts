/**
 * `placeAt(spot)`: an element directive that puts an absolutely positioned element at a spot relative to its
 * containing box (0..1 each way) through the CSSOM (`style.setProperty`), which a site's Content-Security-Policy
 * allows from script. A `style="…"` attribute in a template, and Lit's own `styleMap` on its first render
 * (it writes the attribute), are inline styles that `style-src` without 'unsafe-inline' blocks: the element
 * would then sit at the box's corner.
 */
import { noChange } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

class PlaceAtDirective extends Directive {
  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error('placeAt belongs on an element: <div ${placeAt(spot)}>');
  }

  render(_spot: { x: number; y: number }): typeof noChange {
    return noChange;
  }

  override update(part: ElementPart, [spot]: [{ x: number; y: number }]): typeof noChange {
    const style = (part.element as HTMLElement).style;
    style.setProperty('left', `${spot.x * 100}%`);
    style.setProperty('top', `${spot.y * 100}%`);
    return noChange;
  }
}

/**
 * @example
 * html`<div class="pin" ${placeAt({ x: 0.25, y: 0.75 })}></div>`
 */
export const placeAt = directive(PlaceAtDirective);
