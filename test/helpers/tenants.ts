/**
 * A tenant of a test's own, made as the CLI makes one (a fresh API secret, its hash and its sealed copy for SSO),
 * on a node running in the test process.
 */
import { randomUUID } from 'node:crypto';
import type { RunningServer } from '../../server/app.js';
import { newSecret } from '../../server/auth/tenant-secrets.js';
import type { ServerMessage } from '../../shared/index.js';
import { TestClient } from './ws-client.js';

export async function createTestTenant(server: Pick<RunningServer, 'store' | 'secrets'>, origins: string[] = []): Promise<{ tenantId: string; secret: string }> {
  const tenantId = `t-${randomUUID().slice(0, 8)}`;
  const { secret, secretHash, ssoKey } = newSecret(server.secrets);
  if (!(await server.store.createTenant({ id: tenantId, name: 'Test tenant', origins, secretHash, ssoKey }))) throw new Error('tenant id taken');
  return { tenantId, secret };
}

/** A fresh connection's answer to one tenant hello with `fields` (say, `sso`): the welcome, or the hello's refusal. */
export async function helloAnswer(wsUrl: string, tenantId: string, fields: Record<string, unknown>): Promise<ServerMessage> {
  const client = await TestClient.connect(wsUrl);
  try {
    client.send({ type: 'hello', tenantId, ...fields });
    return await client.next((m) => m.type === 'welcome' || (m.type === 'error' && m.for === 'hello'));
  } finally {
    client.close();
  }
}
