/**
 * The `demo` tenant, created on first start so `/demo` works at once. Its secret is kept (in the store's
 * settings) so that development start-ups can print it for the dashboard; real tenants' secrets are only
 * ever stored hashed.
 */
import type { Store } from '../store/types.js';
import { hashTenantSecret, newTenantSecret } from '../auth/tenant-secret.js';

const DEMO_TENANT_ID = 'demo';

export async function ensureDemoTenant(store: Store): Promise<string> {
  const secret = await store.getOrCreateSetting('demo-tenant-secret', newTenantSecret);
  await store.createTenant({ id: DEMO_TENANT_ID, name: 'Demo', origins: [], secretHash: hashTenantSecret(secret) });
  return secret;
}
