/**
 * Removing a tenant with everything stored for it (`npm run tenant -- delete`), for both stores: every table
 * with a `tenant_id`, the tenant's own row last (images reference it). One transaction, so a failure leaves
 * the tenant whole. The list is checked against the schema by test/contract/tenant-admin.contract.ts.
 */
export const TENANT_TABLES = [
  'webhook_deliveries', 'webhook_endpoints', 'api_idempotency', 'events', 'comments', 'chats', 'images',
  'usage_daily', 'usage_images', 'usage_peaks', 'usage_presence',
] as const;

/** The statements that remove tenant `$1`, in order; `placeholder` is `?` (SQLite) or `$1` (PostgreSQL). */
export const tenantRemoval = (placeholder: string): string[] => [
  ...TENANT_TABLES.map((table) => `DELETE FROM ${table} WHERE tenant_id = ${placeholder}`),
  `DELETE FROM tenants WHERE id = ${placeholder}`,
];

/** A change of a tenant's name and page origins; fields left out stay. */
export interface TenantChange { name?: string; origins?: string[] }
