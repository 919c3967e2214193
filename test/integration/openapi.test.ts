/**
 * The OpenAPI document at /api/v1/openapi.json describes exactly the REST routes that exist: every endpoint of
 * the node's route table (server/http/api-endpoints.ts) is described with its method, and every described
 * operation is an endpoint of the table and answers over HTTP (not 404).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { OPENAPI_DOCUMENT } from '../../server/http/openapi.js';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

function described(document: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).filter((key) => METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path}`)).sort();
}

test('the served document is OpenAPI 3.1 and describes exactly the route table', async () => {
  const response = await fetch(`${server.url}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('access-control-allow-origin')).toBe('*');
  const document = await response.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
  expect(document.openapi).toBe('3.1.0');
  expect(document).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
  const routes = server.apiEndpoints.map((endpoint) => `${endpoint.method} ${endpoint.path}`).sort();
  // Both directions: a route without a description, and a description without a route, fail here by name.
  expect(routes.filter((route) => !described(document).includes(route)), 'routes not described').toEqual([]);
  expect(described(document).filter((operation) => !routes.includes(operation)), 'described but no route').toEqual([]);
  expect(routes.length).toBeGreaterThanOrEqual(9);
});

test('every described operation exists over HTTP: a tenant route answers 401 without a secret, not 404', async () => {
  for (const operation of described(OPENAPI_DOCUMENT as unknown as { paths: Record<string, Record<string, unknown>> })) {
    const [method = '', template = ''] = operation.split(' ');
    // Every parameter filled in with a well-formed value: `{tenantId}` the demo tenant, ids a number.
    const path = template.replace('{tenantId}', 'demo').replace(/\{\w+\}/g, '12');
    const withBody = method !== 'GET' && method !== 'DELETE';
    const response = await fetch(`${server.url}${path}`, { method, ...(withBody ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
    expect(response.status, operation).toBe(template.includes('{tenantId}') ? 401 : 200);
  }
});

test('every $ref in the document resolves', () => {
  const text = JSON.stringify(OPENAPI_DOCUMENT);
  const refs = [...text.matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
  expect(refs.length).toBeGreaterThan(10);
  const components = OPENAPI_DOCUMENT.components as unknown as Record<string, Record<string, unknown>>;
  for (const [, kind = '', name = ''] of refs) expect(components[kind]?.[name], `${kind}/${name}`).toBeDefined();
});
