/**
 * The picture a widget shows: the page's own `<img>` inside the element (the progressive embed
 * `<image-chat><img …></image-chat>`, and what `attach` makes), or else the one the element draws from its `src`.
 * The page's `<img>` stays in the light DOM, slotted: it keeps every attribute (srcset, sizes, loading, …), the
 * page's CSS, and the page's reference to it.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { defaultUrlId } from './placement.js';

/** The page's image inside `host`: a child `<img>`, or the `<img>` of a child `<picture>`. */
export function pageImageOf(host: Element): HTMLImageElement | null {
  return host.querySelector<HTMLImageElement>(':scope > img, :scope > picture > img');
}

/**
 * The default conversation id of an `<img>`: its `src` attribute resolved against the page, without query or
 * hash; without `src`, the first URL of its `srcset`. Never `currentSrc`, which differs between the files of
 * one responsive image (a phone and a desktop would each get their own conversation). '' when it has neither.
 * @example urlIdOfImage(img) // 'https://shop.example/photos/kitchen.jpg' for src="/photos/kitchen.jpg?w=800"
 */
export function urlIdOfImage(img: HTMLImageElement): string {
  const src = img.getAttribute('src')?.trim();
  const first = img.getAttribute('srcset')?.trim().split(/\s+/)[0]?.replace(/,$/, '');
  const url = src || first;
  if (!url) return '';
  try {
    return defaultUrlId(url, img.baseURI);
  } catch {
    return '';
  }
}

/**
 * Watches the shown image: whether it failed to load (`broken`), and changes of its `src`/`srcset` made by the
 * page's scripts, so the host can follow the new picture's conversation. Asks for an update only on a change.
 */
export class ImageWatchController implements ReactiveController {
  /** The image could not be loaded (a 404, not an image, blocked): there is nothing to place markers on. */
  broken = false;
  #image: HTMLImageElement | null = null;
  #mutations: MutationObserver | null = null;
  /** Each watched image gets a new number, so a late `decode()` answer about an old image is ignored. */
  #generation = 0;

  readonly #host: ReactiveControllerHost;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  /** Watches `image` (replacing the one before); null watches nothing. */
  observe(image: HTMLImageElement | null): void {
    if (image === this.#image) return;
    this.#unwatch();
    this.#image = image;
    if (!image) return this.#setBroken(false);
    image.addEventListener('load', this.#loaded);
    image.addEventListener('error', this.#failed);
    this.#mutations ??= new MutationObserver(() => this.#sourceChanged());
    this.#mutations.observe(image, { attributes: true, attributeFilter: ['src', 'srcset'] });
    this.#check(image);
  }

  hostConnected(): void {
    const image = this.#image;
    this.#image = null;
    if (image) this.observe(image);
  }

  hostDisconnected(): void {
    this.#unwatch();
  }

  /** An image that finished before it was watched (it failed before the script ran) is checked once. */
  #check(image: HTMLImageElement): void {
    const generation = ++this.#generation;
    if (!image.complete || !(image.getAttribute('src') || image.getAttribute('srcset'))) return this.#setBroken(false);
    if (image.naturalWidth > 0) return this.#setBroken(false);
    // naturalWidth 0 is also an SVG without intrinsic size; decode() tells a broken image from that.
    image.decode().then(
      () => { if (generation === this.#generation) this.#setBroken(false); },
      () => { if (generation === this.#generation) this.#setBroken(true); },
    );
  }

  #loaded = (): void => {
    this.#generation++;
    this.#setBroken(false);
    // The picture's size may have changed: the host places its panels again.
    this.#host.requestUpdate();
  };

  #failed = (): void => {
    this.#generation++;
    this.#setBroken(true);
  };

  #sourceChanged(): void {
    // A new picture: whether it loads is told by its own load or error event.
    this.#generation++;
    this.#setBroken(false);
    this.#host.requestUpdate();
  }

  #setBroken(broken: boolean): void {
    if (broken === this.broken) return;
    this.broken = broken;
    this.#host.requestUpdate();
  }

  #unwatch(): void {
    this.#generation++;
    this.#mutations?.disconnect();
    this.#image?.removeEventListener('load', this.#loaded);
    this.#image?.removeEventListener('error', this.#failed);
  }
}
