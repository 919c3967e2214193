/**
 * Signing in, in the element: the `sso` / `simple-sso` attributes (JSON), and "Sign in to comment", what a guest
 * sees instead of a composer when the tenant takes writes from signed-in people only.
 */
import { html } from 'lit';
import type { TenantRules } from '../shared/index.js';
import type { Strings } from './i18n.js';

/** The tenant's login page as a link when it has one (an http(s) URL only), else the words alone. */
export function signInTemplate(strings: Strings, rules: TenantRules | null) {
  const url = rules?.loginUrl;
  return html`<span part="sign-in" class="sign-in">${url && /^https?:\/\//.test(url) ? html`<a href=${url} target="_top">${strings.signIn}</a>` : strings.signIn}</span>`;
}

/** A JSON attribute (`sso`, `simple-sso`): an object, or null when absent or not a JSON object. */
export const jsonObject = {
  fromAttribute(value: string | null): object | null {
    try {
      const parsed: unknown = value === null ? null : JSON.parse(value);
      return typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : null;
    } catch {
      return null;
    }
  },
};
