/**
 * Exporting a tenant's conversations (docs/api.md#export-and-import): one image, or every image of the tenant
 * (its written images a page at a time, `Store.listImages`), each read as a subscriber's snapshot. The formats
 * themselves are in shared/export-format.ts.
 */
import { CHAT_EXPORT_FORMAT, CHAT_EXPORT_VERSION, type ChatExport, type ExportedImage, type ImageKey } from '../../shared/index.js';
import type { Store } from '../store/types.js';

/** Images listed per store call while exporting a whole tenant: the REST API's largest page. */
const EXPORT_PAGE = 500;

async function snapshotOf(store: Store, key: ImageKey): Promise<ExportedImage> {
  const read = await store.read(key);
  if (!read.reset) throw new Error('a read without since answered a replay');
  return { urlId: key.urlId, chats: read.chats };
}

/**
 * The plain export of one image (`urlId`; it is in the export even without chats) or of every image of the
 * tenant with at least one chat (`urlId` null), in url id order.
 * @example
 * const exported = await exportChats(store, 'acme', null); // every image of acme
 */
export async function exportChats(store: Store, tenantId: string, urlId: string | null, now = Date.now()): Promise<ChatExport> {
  const images: ExportedImage[] = [];
  if (urlId !== null) {
    images.push(await snapshotOf(store, { tenantId, urlId }));
  } else {
    let after: string | null = null;
    do {
      const page = await store.listImages(tenantId, after, EXPORT_PAGE);
      for (const image of page.images) {
        // An image whose markers were all deleted has nothing to export (and an import would not make it).
        if (image.chatCount === 0) continue;
        images.push(await snapshotOf(store, { tenantId, urlId: image.urlId }));
      }
      after = page.next;
    } while (after !== null);
  }
  return { format: CHAT_EXPORT_FORMAT, version: CHAT_EXPORT_VERSION, tenantId, exportedAt: new Date(now).toISOString(), images };
}
