/** Types of sign.mjs, for TypeScript servers and the test suite. */

/** The user a site signs in; unknown fields are ignored, `email` is never shown to other readers nor stored. */
export interface SsoUser {
  id: string | number;
  username?: string;
  displayName?: string;
  email?: string;
  avatar?: string;
  isAdmin?: boolean;
  isModerator?: boolean;
  [field: string]: unknown;
}

/** What the widget's `sso` attribute or property takes. */
export interface SsoPayload {
  userDataJSONBase64: string;
  verificationHash: string;
  timestamp: number;
}

/** Signs `user` with the tenant's API secret at `now` (ms since the epoch, default the current time). */
export function signSsoUser(user: SsoUser, apiSecret: string, now?: number): SsoPayload;
