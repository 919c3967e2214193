/**
 * A tenant's rules over REST (docs/sso.md), authorized by its API secret like the rest of the tenant API:
 * - `GET /api/v1/tenants/:tenantId/rules`: the rules now;
 * - `PUT /api/v1/tenants/:tenantId/rules`: a JSON object with the rules to change (others stay); answers the
 *   rules after the change. Every node applies it at once (announced over the bus).
 */
import { changeRules } from '../../shared/index.js';
import type { Store } from '../store/types.js';
import type { TenantChanges } from '../fanout/tenant-changes.js';
import { readJsonBody } from './json-body.js';
import { sendJson } from './router.js';
import { HttpError } from './http-error.js';
import type { ApiEndpoint } from './api-endpoints.js';

const PATH = '/api/v1/tenants/{tenantId}/rules';

export function tenantRulesEndpoints(options: { store: Store; changes: TenantChanges }): ApiEndpoint[] {
  const { store, changes } = options;
  return [
    {
      method: 'GET',
      path: PATH,
      auth: 'tenant',
      handler: async ({ response, tenantId }) => {
        const tenant = await store.getTenant(tenantId);
        if (!tenant) throw new HttpError('not-found', `no tenant "${tenantId}"`);
        sendJson(response, 200, { tenantId, rules: tenant.rules });
      },
    },
    {
      method: 'PUT',
      path: PATH,
      auth: 'tenant',
      handler: async ({ request, response, tenantId }) => {
        const change = await readJsonBody(request);
        const tenant = await store.getTenant(tenantId);
        if (!tenant) throw new HttpError('not-found', `no tenant "${tenantId}"`);
        const result = changeRules(tenant.rules, change);
        if (!result.ok) throw new HttpError('invalid-field', result.message);
        if (!(await store.setTenantRules(tenantId, result.rules))) throw new HttpError('not-found', `no tenant "${tenantId}"`);
        await changes.announce(tenantId);
        sendJson(response, 200, { tenantId, rules: result.rules });
      },
    },
  ];
}
