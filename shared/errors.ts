/**
 * The error codes of the protocol, one list for server, widget and docs.
 * `close` is the WebSocket close code used when the error ends the connection; `http` is the status
 * used by the REST API.
 */
export const ERROR_CODES = {
  'bad-request': { http: 400, text: 'The frame is not valid JSON or not a valid message.' },
  'unknown-type': { http: 400, text: 'The message type is not part of the protocol.' },
  'invalid-field': { http: 400, text: 'A field is missing, has the wrong type or is out of range.' },
  'too-large': { http: 413, text: 'The frame or a text in it is longer than allowed.' },
  'rate-limited': { http: 429, text: 'Too many messages; slow down.' },
  unauthorized: { http: 401, text: 'No valid credentials.' },
  forbidden: { http: 403, text: 'The operation is not allowed for this user.' },
  'not-found': { http: 404, text: 'The tenant, image, chat or comment does not exist.' },
  conflict: { http: 409, text: 'The id is already in use.' },
  'limit-reached': { http: 409, text: 'A count limit (markers, comments, subscriptions) is reached.' },
  'not-subscribed': { http: 400, text: 'Write to an image only after subscribing to it.' },
  unavailable: { http: 503, text: 'The service cannot take the operation right now; try again.' },
  'sso-signature': { http: 401, text: 'The SSO payload\'s verificationHash does not match (a wrong or another tenant\'s API secret).' },
  'sso-expired': { http: 401, text: 'The SSO payload was signed more than 2 days ago; sign the user in again.' },
  'sso-future': { http: 401, text: 'The SSO payload\'s timestamp lies in the future (more than the allowed clock skew).' },
  'sso-encoding': { http: 400, text: 'The SSO payload\'s userDataJSONBase64 is not standard base64 of UTF-8 text.' },
  'sso-json': { http: 400, text: 'The SSO payload\'s user data is not valid JSON.' },
  'sso-user': { http: 400, text: 'The SSO user is not valid: an object with a string id, and only allowed field types.' },
  'sso-not-set-up': { http: 403, text: 'The tenant cannot take SSO yet: rotate its API secret once (older tenants keep only its hash).' },
  'sign-in-required': { http: 401, text: 'This site takes comments from signed-in users only.' },
  internal: { http: 500, text: 'An unexpected error on the server.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** WebSocket close codes the server uses, and why. */
export const CLOSE_CODES = {
  /** Server shutting down or draining; reconnect (to another node). */
  GOING_AWAY: 1001,
  /**
   * Abuse: a flood of frames; or, right after the upgrade, too many connections from this address (open at
   * once, or opened in the last minute). Reconnect later, slower.
   */
  POLICY_VIOLATION: 1008,
  /** A frame larger than the limit. */
  MESSAGE_TOO_BIG: 1009,
  /**
   * A slow consumer whose unsent buffer passed the cap; or, right after the upgrade, the node is full
   * (MAX_CONNECTIONS). Reconnect later (through the load balancer, perhaps to another node) and resync.
   */
  TRY_AGAIN_LATER: 1013,
} as const;
