/**
 * The `demo` tenant, created on first start so `/demo` works at once. Its secret is kept (in the store's
 * settings) so that development start-ups can print it for the dashboard and `/demo` can sign its demo users
 * in; real tenants' secrets are shown once, and kept only hashed and sealed.
 */
import type { Store } from '../store/types.js';
import type { SecretBox } from '../auth/secret-box.js';
import { hashTenantSecret, newTenantSecret } from '../auth/tenant-secret.js';

export const DEMO_TENANT_ID = 'demo';

export async function ensureDemoTenant(store: Store, box: SecretBox): Promise<string> {
  const secret = await store.getOrCreateSetting('demo-tenant-secret', newTenantSecret);
  const secretHash = hashTenantSecret(secret);
  if (await store.createTenant({ id: DEMO_TENANT_ID, name: 'Demo', origins: [], secretHash, ssoKey: box.seal(secret) })) return secret;
  // Made by a release before SSO (no sealed secret), or sealed under another secrets key: seal it again.
  const current = (await store.getTenant(DEMO_TENANT_ID))?.ssoKeys.current;
  if (current === null || current === undefined || box.open(current) !== secret) {
    await store.rotateTenantSecret(DEMO_TENANT_ID, { secretHash, ssoKey: box.seal(secret), keepPreviousUntil: 0 });
  }
  return secret;
}
