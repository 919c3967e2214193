/**
 * The entry point of the npm package `@image-chat/widget` (built by scripts/build-widget-package.mjs), for sites
 * that bundle the widget into their own code. The same widget and exports as the served `/widget.js` (index.ts),
 * with one difference: a bundled copy cannot tell where the image-chat server is (the page's script is the site's
 * own), so it never guesses; the site calls `configure({ server })` or sets each widget's `server` attribute, and
 * a widget with neither says so in the console.
 * @example
 * import { configure } from '@image-chat/widget';
 * configure({ server: 'https://chat.example.com' });
 * // then <image-chat tenant-id="acme"><img src="/plans/floor-2.png" alt="Second floor plan"></image-chat>
 */
import { firstCopyOnPage } from './define.js';
import { watchDocument } from './attach.js';

// The same list as index.ts (the served entry): the package offers what a script-tag page gets.
export { ImageChat } from './image-chat.js';
export { defaultUrlId } from './placement.js';
export { urlIdOfImage } from './page-image.js';
export { ChatMarker } from './chat-marker.js';
export { ChatThread } from './chat-thread.js';
export { attach, attachAll, type AttachOptions } from './attach.js';
export { WidgetConnection, type ConnectionState, type ConnectionStateChange } from './connection.js';
export { ImageStore } from './store.js';
export { configure, type ImageChatConfiguration } from './configure.js';
export type { ImageChatEventDetails, ImageChatStatusEvent, ImageChatOpenEvent, ImageChatErrorEvent } from './events.js';
export type { SecureSso, SimpleSso } from '../shared/index.js';

if (firstCopyOnPage()) watchDocument();
