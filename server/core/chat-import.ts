/**
 * Importing a plain export (docs/api.md#export-and-import) into a tenant, idempotently. Each chat is stored
 * whole, with its thread, through the store's one write path (`Store.write`): in one transaction, under the
 * image's next seq, as the `new-image-chat` event a widget's create-chat becomes, but carrying the exported
 * ids, authors, times, edits and resolved state. A chat whose id the image already has is left as it is, so
 * importing a file again writes nothing.
 */
import type { ChatExport, ErrorCode, ImageEvent } from '../../shared/index.js';
import type { Store } from '../store/types.js';
import type { PlanLimits } from './plan.js';
import { plannerFor } from './plan-recipe.js';

/** What an import did: chats stored, chats the images already had, and chats refused (a limit), with why. */
export interface ImportReport {
  imported: number;
  present: number;
  refused: { urlId: string; chatId: string; code: ErrorCode; message: string }[];
}

/**
 * Stores every chat of `exported` on the same url ids of `tenantId`, image by image, chat by chat in the file's
 * order; `stored` hears each stored event (a server publishes it to subscribers).
 * @example
 * const report = await importChats(store, 'acme-copy', parseChatExport(json), LIMITS, (event) => service.publish(event));
 */
export async function importChats(store: Store, tenantId: string, exported: ChatExport, limits: PlanLimits,
  stored: (event: ImageEvent) => void = () => {}): Promise<ImportReport> {
  const report: ImportReport = { imported: 0, present: 0, refused: [] };
  for (const image of exported.images) {
    const key = { tenantId, urlId: image.urlId };
    // Queued together, so a store may commit the image's chats in one transaction; each still gets its own seq, in order.
    const outcomes = await Promise.all(image.chats.map((chat) =>
      store.write(key, { chatId: chat.id, commentId: null, authorId: null, actor: { id: chat.author.id, name: chat.author.name } }, plannerFor({ kind: 'import', chat, key, limits }))));
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) {
        report.imported += 1;
        stored(outcome.event);
      } else if (outcome.code === 'conflict') {
        report.present += 1;
      } else {
        report.refused.push({ urlId: image.urlId, chatId: image.chats[i]?.id ?? '', code: outcome.code, message: outcome.message });
      }
    });
  }
  return report;
}
