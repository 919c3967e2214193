/**
 * React 19 typings of `<image-chat>`, published as `@image-chat/widget/react` (the same bundle as the package's
 * main entry, plus these types): with it, `<image-chat tenant-id="acme" …>` type-checks in TSX, `ref` is an
 * `ImageChat`, and the widget's events are `onimage-chat-…` props (React 19 adds a listener for `on` + the exact
 * event name on custom elements).
 * @example
 * import { configure } from '@image-chat/widget/react';
 * configure({ server: 'https://chat.example.com' });
 * const Plan = () => <image-chat tenant-id="acme" src="/plans/floor-2.png" alt="Second floor plan"
 *   onimage-chat-open={(event) => console.log(event.detail.chatId)} />;
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { ImageChat, ImageChatErrorEvent, ImageChatOpenEvent, ImageChatStatusEvent, SecureSso, SimpleSso } from './package.js';

export * from './package.js';

/**
 * What `<image-chat>` takes in JSX: its attributes under their HTML names (so server rendering writes the same
 * attributes a page would), `sso` and `simpleSso` also as objects (set as properties), and its events.
 */
export interface ImageChatJsxProps extends DetailedHTMLProps<HTMLAttributes<ImageChat>, ImageChat> {
  'tenant-id'?: string;
  'url-id'?: string;
  src?: string;
  alt?: string;
  server?: string;
  locale?: string;
  readonly?: boolean;
  theme?: 'light' | 'dark' | 'auto';
  'page-font'?: boolean;
  /** The reader signed by the site's server: the object, or its JSON. */
  sso?: SecureSso | string | null;
  /** An unsigned reader (tenants that allow simple SSO), as JSON. */
  'simple-sso'?: string;
  /** An unsigned reader, as an object. */
  simpleSso?: SimpleSso | null;
  'onimage-chat-status'?: (event: ImageChatStatusEvent) => void;
  'onimage-chat-open'?: (event: ImageChatOpenEvent) => void;
  'onimage-chat-error'?: (event: ImageChatErrorEvent) => void;
}

declare module 'react' {
  // React 19 reads JSX element types from React.JSX.
  namespace JSX {
    interface IntrinsicElements {
      'image-chat': ImageChatJsxProps;
    }
  }
}
