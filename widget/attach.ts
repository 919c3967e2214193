/**
 * Turning existing images into widgets: `<img data-image-chat>` elements are picked up automatically, and
 * `ImageChat.attach(img, options)` does the same from script. Either wraps the page's `<img>` in an
 * `<image-chat>`, which is the progressive embed `<image-chat tenant-id="…"><img …></image-chat>` made by script.
 */
import type { SecureSso, SimpleSso } from '../shared/index.js';
import { ImageChat } from './image-chat.js';

/** What `attach` needs; the same as the element's attributes. */
export interface AttachOptions {
  /** The site owner's tenant id. */
  tenantId: string;
  /** The image's conversation id; defaults to its `src` attribute resolved against the page, without query or hash. */
  urlId?: string;
  /** The image-chat server; defaults to where the script came from. */
  server?: string;
  locale?: string;
  readonly?: boolean;
  theme?: 'light' | 'dark' | 'auto';
  /** The reader, signed by the site's server (the element's `sso`). */
  sso?: SecureSso | null;
  /** An unsigned reader, when the tenant allows simple SSO (the element's `simpleSso`). */
  simpleSso?: SimpleSso | null;
}

/** The `<image-chat>` an image is already the picture of (an earlier attach, or the progressive embed). */
function widgetOf(img: HTMLImageElement): ImageChat | null {
  const parent = img.parentElement?.localName === 'picture' ? img.parentElement.parentElement : img.parentElement;
  return parent instanceof ImageChat || parent?.localName === 'image-chat' ? (parent as ImageChat) : null;
}

/**
 * Wraps an `<img>` (with its `<picture>`, if it has one) in an `<image-chat>` and returns the element. The
 * image itself stays: the same element with all its attributes (srcset, sizes, loading, width, height, class,
 * style, id, …), so `loading="lazy"` stays lazy and a script that later sets `img.src` changes the widget's
 * picture (and conversation). Attaching the same image twice returns the first element.
 * @example
 * ImageChat.attach(document.querySelector('#plan'), { tenantId: 'acme' });
 * ImageChat.attach(document.querySelector('#plan'), { tenantId: 'acme', sso: await mySite.imageChatSso() });
 */
export function attach(img: HTMLImageElement, options: AttachOptions): ImageChat {
  const existing = widgetOf(img);
  if (existing) return existing;
  const element = document.createElement('image-chat');
  element.tenantId = options.tenantId;
  if (options.urlId) element.urlId = options.urlId;
  if (options.server) element.server = options.server;
  if (options.locale) element.locale = options.locale;
  if (options.readonly) element.readonly = true;
  if (options.theme) element.theme = options.theme;
  if (options.sso) element.sso = options.sso;
  if (options.simpleSso) element.simpleSso = options.simpleSso;
  // Moving an <img> out of its <picture> would lose the picture's sources: the picture moves with it.
  const picture = img.parentElement?.localName === 'picture' ? img.parentElement : null;
  const shown = picture ?? img;
  shown.before(element);
  element.append(shown);
  return element;
}

/** Options from an image's data attributes; `data-image-chat` may hold the tenant id itself. */
function optionsOf(img: HTMLImageElement): AttachOptions | null {
  const data = img.dataset;
  const tenantId = data.tenantId || data.imageChat || '';
  if (!tenantId) {
    console.warn('image-chat: <img data-image-chat> needs a tenant id (data-image-chat="your-tenant" or data-tenant-id)', img);
    return null;
  }
  const theme = data.theme === 'light' || data.theme === 'dark' ? data.theme : undefined;
  return {
    tenantId,
    ...(data.urlId ? { urlId: data.urlId } : {}),
    ...(data.server ? { server: data.server } : {}),
    ...(data.locale ? { locale: data.locale } : {}),
    ...(data.readonly !== undefined ? { readonly: data.readonly !== 'false' } : {}),
    ...(theme ? { theme } : {}),
  };
}

/** Attaches every `<img data-image-chat>` under `root`; returns the new elements. */
export function attachAll(root: ParentNode = document): ImageChat[] {
  const created: ImageChat[] = [];
  for (const img of root.querySelectorAll<HTMLImageElement>('img[data-image-chat]')) {
    const options = optionsOf(img);
    if (options) created.push(attach(img, options));
  }
  return created;
}

/** Attaches the images already on the page and those added later. */
export function watchDocument(): void {
  const start = () => {
    attachAll();
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node instanceof HTMLImageElement && node.matches('img[data-image-chat]')) attachAll(node.parentNode ?? document);
          else if (node instanceof Element) attachAll(node);
        }
      }
    }).observe(document.documentElement, { childList: true, subtree: true });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
  else start();
}
