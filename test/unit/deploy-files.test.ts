/**
 * The deployment files agree with each other: compose.yaml's nginx fills in exactly the placeholders of the
 * nginx template that scripts/cluster and test/cluster/nginx.test.ts run, and the Dockerfile keeps what
 * docs/operating.md#docker promises (replaceable base images, the tenant CLI, a docker-format HEALTHCHECK).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { TEMPLATE, renderTemplate } from '../../scripts/nginx-config.mjs';

const template = readFileSync(TEMPLATE, 'utf8');
const compose = readFileSync('compose.yaml', 'utf8');
const dockerfile = readFileSync('Dockerfile', 'utf8');

describe('compose.yaml and the nginx template', () => {
  test("compose's nginx sets every placeholder of the template it mounts, and no other", () => {
    const placeholders = new Set([...template.matchAll(/\$\{(IMAGE_CHAT_[A-Z0-9_]+)\}/g)].map((m) => m[1]));
    const set = new Set([...compose.matchAll(/^\s+(IMAGE_CHAT_[A-Z0-9_]+):/gm)].map((m) => m[1]));
    expect([...set].sort()).toEqual([...placeholders].sort());
    expect(compose).toContain('./deploy/nginx/image-chat.conf.template:/etc/nginx/templates/default.conf.template:ro');
    expect(compose).toMatch(/NGINX_ENVSUBST_FILTER: IMAGE_CHAT_/);
  });

  test('the template is sticky-free and upgrades WebSockets', () => {
    const directives = template.split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');
    expect(directives).toMatch(/^\s+least_conn;$/m);
    expect(directives).not.toMatch(/\b(ip_hash|hash|sticky)\b/);
    expect(template).toMatch(/location \/ws \{[^}]*proxy_set_header Upgrade \$http_upgrade;[^}]*proxy_set_header Connection \$connection_upgrade;/s);
  });

  test('rendering leaves no placeholder, and refuses a missing value', () => {
    const values = { IMAGE_CHAT_LISTEN: '80', IMAGE_CHAT_ACCESS_LOG: 'off', IMAGE_CHAT_NODE_1: 'a:1', IMAGE_CHAT_NODE_2: 'b:1', IMAGE_CHAT_NODE_3: 'c:1' };
    expect(renderTemplate(template, values)).not.toMatch(/\$\{IMAGE_CHAT_[A-Z0-9_]+\}/);
    const { IMAGE_CHAT_NODE_3: _dropped, ...missing } = values;
    expect(() => renderTemplate(template, missing)).toThrow(/no value for \$\{IMAGE_CHAT_NODE_3\}/);
  });
});

describe('the Dockerfile', () => {
  test('its base images can be replaced by build args', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm$/m);
    expect(dockerfile).toMatch(/^ARG NODE_SLIM_IMAGE=node:20-bookworm-slim$/m);
    expect(dockerfile.match(/^FROM .*/gm)).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_SLIM_IMAGE}']);
  });

  test('the runtime image has the tenant CLI and a health check', () => {
    expect(dockerfile).toContain('COPY --from=build /app/scripts/container/tenant /usr/local/bin/tenant');
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\/healthz/m);
  });
});
