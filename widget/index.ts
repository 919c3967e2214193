/**
 * The widget's entry point, bundled to `/widget.js` (ES module) and `/widget.iife.js` (global `ImageChat`), each
 * also served under a versioned name (`/widget.<hash>.js`). Loading it registers `<image-chat>`, picks up
 * `<img data-image-chat>` images, and makes widgets without a `server` attribute talk to the server the script
 * came from (`configure({ server })` overrides it). A second copy on the same page does nothing but warn once
 * (define.ts). The npm package's entry is package.ts: the same exports, without guessing the server.
 * @example
 * <script type="module" src="https://chat.example.com/widget.js"></script>
 */
// First: which server widgets talk to must be known before <image-chat> is defined, which upgrades the
// elements already on the page (the progressive embed) and so subscribes them at once.
import { firstCopy } from './script-server.js';
import { watchDocument } from './attach.js';

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

if (firstCopy) watchDocument();
