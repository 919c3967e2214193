/**
 * A tenant's rules over REST (docs/sso.md), authorized by its API secret like the rest of the tenant API:
 * - `GET /api/v1/tenants/:tenantId/rules`: the rules now;
 * - `PUT /api/v1/tenants/:tenantId/rules`: a JSON object with the rules to change (others stay); answers the
 *   rules after the change. Every node applies it at once (announced over the bus).
 */
import { changeRules } from '../../shared/index.js';
import type { Store } from '../store/types.js';
import { authorizeTenant } from '../auth/bearer.js';
import type { TenantChanges } from '../fanout/tenant-changes.js';
import { readJsonBody } from './json-body.js';
import { sendJson, type Route } from './router.js';
import { HttpError } from './http-error.js';

const PATH = /^\/api\/v1\/tenants\/([A-Za-z0-9_-]{1,64})\/rules$/;

export function tenantRulesRoutes(options: { store: Store; changes: TenantChanges }): Route[] {
  const { store, changes } = options;
  /** The tenant of a rules path, once its secret is checked; false for other paths. */
  const authorized = async (request: Parameters<Route['handler']>[0], url: URL): Promise<string | false> => {
    const tenantId = PATH.exec(url.pathname)?.[1];
    if (tenantId === undefined) return false;
    const auth = await authorizeTenant(store, request, tenantId);
    if (!auth.ok) throw new HttpError(auth.code, auth.message);
    return tenantId;
  };
  return [
    {
      method: 'GET',
      path: '/api/v1/tenants/*',
      handler: async (request, response, url) => {
        const tenantId = await authorized(request, url);
        if (tenantId === false) return false;
        const tenant = await store.getTenant(tenantId);
        if (!tenant) throw new HttpError('not-found', `no tenant "${tenantId}"`);
        return sendJson(response, 200, { tenantId, rules: tenant.rules });
      },
    },
    {
      method: 'PUT',
      path: '/api/v1/tenants/*',
      handler: async (request, response, url) => {
        const tenantId = await authorized(request, url);
        if (tenantId === false) return false;
        const change = await readJsonBody(request);
        const tenant = await store.getTenant(tenantId);
        if (!tenant) throw new HttpError('not-found', `no tenant "${tenantId}"`);
        const result = changeRules(tenant.rules, change);
        if (!result.ok) throw new HttpError('invalid-field', result.message);
        if (!(await store.setTenantRules(tenantId, result.rules))) throw new HttpError('not-found', `no tenant "${tenantId}"`);
        await changes.announce(tenantId);
        return sendJson(response, 200, { tenantId, rules: result.rules });
      },
    },
  ];
}
