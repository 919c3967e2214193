/**
 * `GET /demo/sso?user=ann|bob|cleo`: signs one of a few demo users in to the `demo` tenant, exactly as a site's
 * server would (Secure SSO with the tenant's API secret), so a newcomer sees sign-in, roles and avatars on
 * `/demo` in two windows. Served only while the demo tenant is on; it signs for the demo tenant only.
 */
import { sendJson, type Route } from './router.js';
import { HttpError } from './http-error.js';
import { ssoHash } from '../auth/sso.js';

/** Ann moderates; Bob and Cleo are readers. Avatars are small inline images, so the demo needs no network. */
const DEMO_USERS = {
  ann: { id: 'demo-ann', displayName: 'Ann (moderator)', isModerator: true, color: '#8a3ffc' },
  bob: { id: 'demo-bob', displayName: 'Bob', isModerator: false, color: '#0f62fe' },
  cleo: { id: 'demo-cleo', displayName: 'Cleo', isModerator: false, color: '#198038' },
} as const;

type DemoUserName = keyof typeof DEMO_USERS;

/** A 1×1 PNG of one colour, as a data URL: an avatar the widget shows without fetching anything. */
function dotAvatar(hex: string): string {
  // A tiny palette PNG would need zlib; a GIF of one pixel is short enough to write out.
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const gif = Buffer.from([
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, r!, g!, b!, 0, 0, 0,
    0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b,
  ]);
  return `data:image/gif;base64,${gif.toString('base64')}`;
}

export function demoSsoRoutes(demoSecret: string | undefined): Route[] {
  if (demoSecret === undefined) return [];
  return [{
    method: 'GET',
    path: '/demo/sso',
    handler: (_request, response, url) => {
      const name = url.searchParams.get('user') ?? '';
      if (!Object.hasOwn(DEMO_USERS, name)) throw new HttpError('not-found', `no demo user "${name.slice(0, 40)}" (ann, bob or cleo)`);
      const { id, displayName, isModerator, color } = DEMO_USERS[name as DemoUserName];
      const user = { id, displayName, isModerator, avatar: dotAvatar(color) };
      const userDataJSONBase64 = Buffer.from(JSON.stringify(user)).toString('base64');
      const timestamp = Date.now();
      const sso = { userDataJSONBase64, verificationHash: ssoHash(demoSecret, timestamp, userDataJSONBase64), timestamp };
      return sendJson(response, 200, { sso, user: { id: `sso:${id}`, name: displayName, moderator: isModerator } });
    },
  }];
}
