/**
 * CORS for the REST API, refused on purpose (docs/api.md#cors): every call but the OpenAPI document carries the
 * tenant's API secret, which must never be in a page, so no origin is allowed and a preflight is answered
 * `403 forbidden` without any `Access-Control-Allow-*` header. Browsers then refuse the cross-origin call before
 * sending it. The dashboard is served from the same origin as the API and needs no CORS.
 */
import { HttpError } from './http-error.js';
import type { Route } from './router.js';

export function apiCorsRoutes(): Route[] {
  return [{
    method: '*',
    path: '/api/v1/*',
    handler: (request) => {
      if (request.method !== 'OPTIONS') return false;
      throw new HttpError('forbidden', 'the REST API takes no cross-origin browser calls: call it from your server, where the API secret stays');
    },
  }];
}
