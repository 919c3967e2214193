/**
 * Run first by the entry point, before any element is defined: counts this copy of the script in
 * (`firstCopyOnPage`) and, for the first copy, makes widgets without a `server` attribute talk to the server the
 * script came from. Defining `<image-chat>` upgrades the elements already on the page at once, so this must
 * come before it (else they would first try the page's own origin).
 */
import { setDefaultServer } from './server-url.js';
import { firstCopyOnPage } from './define.js';

/**
 * Where this script was served from (its folder, so a server behind a path prefix works too):
 * `document.currentScript` for a classic script, else the page's module script that loaded widget.js (also its
 * versioned name, `widget.<hash>.js`).
 */
function scriptBase(): string {
  const script = document.currentScript;
  if (script instanceof HTMLScriptElement && script.src) return new URL('.', script.src).href;
  const module = [...document.querySelectorAll<HTMLScriptElement>('script[type="module"][src]')].find((s) => /\/widget(\.iife)?(\.[0-9a-f]{10})?\.js(\?|$)/.test(s.src));
  return module ? new URL('.', module.src).href : location.origin;
}

/** True for the first copy of the script on the page; later copies do nothing. */
export const firstCopy = firstCopyOnPage();
if (firstCopy) setDefaultServer(scriptBase());
