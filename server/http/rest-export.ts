/**
 * Export and import over REST (docs/api.md#export-and-import):
 * - `GET /api/v1/tenants/{tenantId}/export?urlId=&format=jsonld|json`: one image's conversations, or the whole
 *   tenant's without `urlId`, as Web Annotation JSON-LD (the default) or as the plain export;
 * - `POST /api/v1/tenants/{tenantId}/import`: a plain export stored into the tenant, idempotently, each imported
 *   chat published to the image's subscribers like any write.
 */
import { EXPORT_FORMATS, ExportFormatError, parseChatExport, toWebAnnotations, validateClientMessage, type ExportFormat } from '../../shared/index.js';
import type { ChatService } from '../core/service.js';
import { exportChats } from '../core/chat-export.js';
import type { Store } from '../store/types.js';
import { HttpError } from './http-error.js';
import { readJsonBody } from './json-body.js';
import { sendJson } from './router.js';
import type { ApiEndpoint } from './api-endpoints.js';
import { MAX_IMPORT_BYTES } from './api-limits.js';

function formatOf(url: URL): ExportFormat {
  const format = url.searchParams.get('format') ?? EXPORT_FORMATS.jsonld;
  if (format !== EXPORT_FORMATS.jsonld && format !== EXPORT_FORMATS.json) throw new HttpError('invalid-field', '"format" must be "jsonld" or "json"');
  return format;
}

/** The `urlId` of the query, checked as a subscribe's is; null for the whole tenant. */
function urlIdOf(url: URL, tenantId: string): string | null {
  const urlId = url.searchParams.get('urlId');
  if (urlId === null) return null;
  const checked = validateClientMessage({ type: 'subscribe', tenantId, urlId });
  if (!checked.ok) throw new HttpError(checked.code, checked.error);
  return urlId;
}

export function restExportEndpoints(options: { store: Store; service: ChatService }): ApiEndpoint[] {
  const { store, service } = options;
  return [
    {
      method: 'GET',
      path: '/api/v1/tenants/{tenantId}/export',
      auth: 'tenant',
      handler: async ({ response, url, tenantId }) => {
        const format = formatOf(url);
        const exported = await exportChats(store, tenantId, urlIdOf(url, tenantId));
        if (format === EXPORT_FORMATS.json) {
          sendJson(response, 200, exported);
          return;
        }
        // The media type the Web Annotation Protocol gives annotations; otherwise answered as sendJson answers.
        const text = JSON.stringify(toWebAnnotations(exported));
        response.writeHead(200, {
          'content-type': 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"; charset=utf-8',
          'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff',
        });
        response.end(text);
      },
    },
    {
      method: 'POST',
      path: '/api/v1/tenants/{tenantId}/import',
      auth: 'tenant',
      handler: async ({ request, response, tenantId }) => {
        const body = await readJsonBody(request, MAX_IMPORT_BYTES);
        let exported;
        try {
          exported = parseChatExport(body);
        } catch (error) {
          if (error instanceof ExportFormatError) throw new HttpError('invalid-field', error.message);
          throw error;
        }
        sendJson(response, 200, { tenantId, ...(await service.importChats(tenantId, exported)) });
      },
    },
  ];
}
