/**
 * Tenants' API secrets as the server keeps them for verifying SSO payloads: sealed with AES-256-GCM under a key
 * of the node's (`SECRETS_KEY`, or one made once and kept in the store's settings). The dashboard and REST API
 * still check secrets against a hash only; the sealed copy exists because an HMAC cannot be checked without
 * its key. With `SECRETS_KEY` set from the environment, a copy of the database alone reveals no API secret.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * @example
 * const box = new SecretBox(config.secretsKey ?? storedKey);
 * const sealed = box.seal(apiSecret);        // kept in the tenants table
 * box.open(sealed) === apiSecret;            // when an SSO payload is checked
 */
export class SecretBox {
  readonly #key: Buffer;

  /** `keyMaterial`: any string of enough entropy; it is hashed to the 256-bit key. */
  constructor(keyMaterial: string) {
    if (keyMaterial.length < 16) throw new Error('the secrets key must be at least 16 characters');
    this.#key = createHash('sha256').update(`image-chat secret box\u0000${keyMaterial}`).digest();
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** The sealed text, or null when it was sealed under another key or altered. */
  open(sealed: string): string | null {
    const [version, packed] = sealed.split('.');
    if (version !== VERSION || !packed) return null;
    const bytes = Buffer.from(packed, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
