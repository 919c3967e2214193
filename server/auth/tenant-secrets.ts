/**
 * A tenant's API secret in its two stored forms: the hash the dashboard and REST API check, and the sealed copy
 * SSO payloads are verified with. Rotating keeps the previous secret verifying SSO payloads for as long as a
 * payload signed with it stays valid (SSO_MAX_AGE_MS), so people signed in on pages rendered before the rotation
 * are not signed out by it; `revokePrevious` ends that at once (for a leaked secret).
 */
import { randomBytes } from 'node:crypto';
import { SSO_MAX_AGE_MS } from '../../shared/index.js';
import type { SecretChange, Store, Tenant } from '../store/types.js';
import { SecretBox } from './secret-box.js';
import { hashTenantSecret, newTenantSecret } from './tenant-secret.js';

const SECRETS_KEY_SETTING = 'secrets-key';

/** The node's secret box: `SECRETS_KEY`, or a key made once and kept in the store's settings. */
export async function openSecretBox(store: Store, configured: string | undefined): Promise<SecretBox> {
  const key = configured ?? (await store.getOrCreateSetting(SECRETS_KEY_SETTING, () => randomBytes(32).toString('base64url')));
  return new SecretBox(key);
}

/** A new API secret, to show once, with its hash and its sealed copy for the store. */
export function newSecret(box: SecretBox): { secret: string; secretHash: string; ssoKey: string } {
  const secret = newTenantSecret();
  return { secret, secretHash: hashTenantSecret(secret), ssoKey: box.seal(secret) };
}

/** A rotation to a new secret: the previous one keeps verifying SSO payloads for SSO_MAX_AGE_MS unless revoked. */
export function rotation(box: SecretBox, revokePrevious: boolean, now = Date.now()): { secret: string; change: SecretChange } {
  const { secret, secretHash, ssoKey } = newSecret(box);
  return { secret, change: { secretHash, ssoKey, keepPreviousUntil: revokePrevious ? 0 : now + SSO_MAX_AGE_MS } };
}

/** The API secrets `tenant`'s SSO payloads may be signed with now, current first; empty before SSO was set up. */
export function ssoSecretsOf(tenant: Tenant, box: SecretBox, now = Date.now()): string[] {
  const { current, previous, previousUntil } = tenant.ssoKeys;
  const sealed = [current, previous !== null && previousUntil > now ? previous : null];
  return sealed.flatMap((key) => {
    const opened = key === null ? null : box.open(key);
    return opened === null ? [] : [opened];
  });
}
