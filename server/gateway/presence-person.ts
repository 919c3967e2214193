/**
 * Who a connection's identity is in presence: signed-in and simple-SSO people are listed with their name (and an
 * http(s) SSO avatar); a guest is listed only once they gave a name, and otherwise just counted.
 */
import type { PresencePerson } from '../presence/image-presence.js';
import { GUEST_NAME, type Identity } from './identities.js';

/** Presence shows only avatars it can link to: never data URLs, which would make every presence frame heavy. */
const isLinkedAvatar = (avatar: string | undefined): avatar is string =>
  avatar !== undefined && (avatar.startsWith('https://') || avatar.startsWith('http://'));

export function presencePersonOf(identity: Identity): PresencePerson {
  const { id, name, avatar } = identity.author;
  const named = identity.kind !== 'guest' || name !== GUEST_NAME;
  if (!named) return { id };
  return { id, name, ...(isLinkedAvatar(avatar) ? { avatar } : {}) };
}
