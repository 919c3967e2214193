/**
 * The widget's entry point, bundled to `/widget.js` (ES module) and `/widget.iife.js` (global `ImageChat`), each
 * also served under a versioned name (`/widget.<hash>.js`). Loading it registers `<image-chat>`, picks up
 * `<img data-image-chat>` images, and makes widgets without a `server` attribute talk to the server the script
 * came from. A second copy on the same page does nothing but warn once (define.ts).
 * @example
 * <script type="module" src="https://chat.example.com/widget.js"></script>
 */
import { setDefaultServer } from './server-url.js';
import { watchDocument } from './attach.js';
import { firstCopyOnPage } from './define.js';

export { ImageChat } from './image-chat.js';
export { defaultUrlId } from './placement.js';
export { urlIdOfImage } from './page-image.js';
export { ChatMarker } from './chat-marker.js';
export { ChatThread } from './chat-thread.js';
export { attach, attachAll, type AttachOptions } from './attach.js';
export { WidgetConnection, type ConnectionState, type ConnectionStateChange } from './connection.js';
export { ImageStore } from './store.js';

/**
 * Where this script was served from (its folder, so a server behind a path prefix works too):
 * `document.currentScript` for a classic script, else the page's module script that loaded widget.js.
 */
function scriptBase(): string {
  const script = document.currentScript;
  if (script instanceof HTMLScriptElement && script.src) return new URL('.', script.src).href;
  const module = [...document.querySelectorAll<HTMLScriptElement>('script[type="module"][src]')].find((s) => /\/widget(\.iife)?(\.[0-9a-f]{10})?\.js(\?|$)/.test(s.src));
  return module ? new URL('.', module.src).href : location.origin;
}

if (firstCopyOnPage()) {
  setDefaultServer(scriptBase());
  watchDocument();
}
