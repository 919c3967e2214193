/**
 * The REST API's one route table (docs/api.md). Each endpoint names its method and its OpenAPI path template
 * (`/api/v1/tenants/{tenantId}/usage`), so the router and the OpenAPI check read the same list: a route cannot
 * exist without its template, and test/integration/openapi.test.ts fails when a template is not described in
 * `/api/v1/openapi.json` or a described one does not exist.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../store/types.js';
import { authorizeTenant } from '../auth/bearer.js';
import { HttpError } from './http-error.js';
import type { Route } from './router.js';

/** One call of an endpoint, its tenant's secret already checked when the endpoint needs it. */
export interface ApiCall {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  /** The `{tenantId}` of the path ('' for an endpoint without one). */
  tenantId: string;
  /** The path's other parameters by name (`{webhookId}` → `params.webhookId`). */
  params: Record<string, string>;
}

export interface ApiEndpoint {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The OpenAPI path template: `{tenantId}`, and ids of what is under it (`{webhookId}`, `{deliveryId}`). */
  path: string;
  /** `tenant`: `Authorization: Bearer <the tenant's API secret>` is checked before the handler runs. */
  auth: 'tenant' | 'public';
  handler: (call: ApiCall) => Promise<void> | void;
}

/** Tenant ids as the CLI makes and accepts them, and the ids the server makes for what is under a tenant. */
const PARAMETER = '([A-Za-z0-9_-]{1,64})';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Router routes for the endpoints: each matches its template exactly (a path of another shape falls through
 * to the next route, and to 404 at the end), checks the tenant's secret, then runs the handler.
 * @example
 * const routes = apiRoutes(store, [{ method: 'GET', path: '/api/v1/tenants/{tenantId}/live', auth: 'tenant', handler }]);
 */
export function apiRoutes(store: Store, endpoints: readonly ApiEndpoint[]): Route[] {
  return endpoints.map((endpoint) => {
    const parts = endpoint.path.split(/\{(\w+)\}/);
    // Odd parts are parameter names, even parts the fixed text between them.
    const names = parts.filter((_part, index) => index % 2 === 1);
    const pattern = new RegExp(`^${parts.map((part, index) => (index % 2 === 1 ? PARAMETER : escapeRegExp(part))).join('')}$`);
    const fixed = parts[0] ?? '';
    return {
      method: endpoint.method,
      path: names.length > 0 ? `${fixed}*` : fixed,
      handler: async (request, response, url) => {
        const match = pattern.exec(url.pathname);
        if (!match) return false;
        const params = Object.fromEntries(names.map((name, index) => [name, match[index + 1] ?? '']));
        const tenantId = params.tenantId ?? '';
        if (endpoint.auth === 'tenant') {
          const auth = await authorizeTenant(store, request, tenantId);
          if (!auth.ok) throw new HttpError(auth.code, auth.message);
        }
        await endpoint.handler({ request, response, url, tenantId, params });
        return true;
      },
    };
  });
}
