/** Types of nginx-config.mjs (plain JS, so scripts/cluster runs it without a compiler). */

/** deploy/nginx/image-chat.conf.template, the one compose.yaml's nginx uses. */
export const TEMPLATE: string;

/** Fills in `${IMAGE_CHAT_…}` placeholders; throws on one without a value. */
export function renderTemplate(text: string, values: Record<string, string>): string;

/** Writes DIR/image-chat.conf and DIR/nginx.conf for a private nginx; returns the path of DIR/nginx.conf. */
export function writeNginxConfig(options: { dir: string; listenPort: number; nodePorts: number[] }): string;
