/**
 * `npm run tenant -- <command>`: manages tenants in the store named by DATABASE_URL (as the server does).
 *
 *   create --name NAME [--origin ORIGIN]… [--id ID] [--json]   prints the tenant id and its API secret
 *   list [--json]                                              every tenant
 *   rotate-secret ID [--json]                                  a new secret; the old one stops working at once
 *
 * With `--json`, `create` and `rotate-secret` print exactly `{"tenantId":…,"secret":…}`. The secret is
 * shown once: only its hash is stored.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LIMITS } from '../../shared/index.js';
import { loadConfig } from '../config.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { hashTenantSecret, newTenantSecret } from '../auth/tenant-secret.js';

const USAGE = `usage: npm run tenant -- create --name NAME [--origin ORIGIN]... [--id ID] [--json]
       npm run tenant -- list [--json]
       npm run tenant -- rotate-secret TENANT_ID [--json]`;

class UsageError extends Error {}

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A readable id from the name plus a random suffix, e.g. `acme-shop-k3x9q2`. */
function newTenantId(name: string): string {
  const slug = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'tenant';
  return `${slug}-${randomBytes(4).readUInt32BE(0).toString(36).padStart(6, '0').slice(-6)}`;
}

/** `https://shop.example:8443` style origins only: what a browser sends in the Origin header. */
function parseOrigin(value: string): string {
  let origin: string;
  try {
    origin = new URL(value).origin;
  } catch {
    throw new UsageError(`--origin "${value}" is not a URL`);
  }
  if (origin === 'null' || origin !== value.replace(/\/$/, '')) throw new UsageError(`--origin must be a bare origin like https://shop.example, got "${value}"`);
  return origin;
}

const printSecret = (json: boolean, tenantId: string, secret: string, what: string): void => {
  if (json) {
    process.stdout.write(`${JSON.stringify({ tenantId, secret })}\n`);
    return;
  }
  process.stdout.write(`${what}\n  tenant id: ${tenantId}\n  secret:    ${secret}\nKeep the secret now: only its hash is stored.\n`);
};

async function create(store: Store, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { name: { type: 'string' }, origin: { type: 'string', multiple: true }, id: { type: 'string' }, json: { type: 'boolean' } } });
  const name = values.name?.trim();
  if (!name) throw new UsageError('create needs --name');
  const id = values.id ?? newTenantId(name);
  if (!ID_PATTERN.test(id) || id.length > LIMITS.MAX_TENANT_ID_LENGTH) throw new UsageError(`--id may hold only letters, digits, "-" and "_" (at most ${LIMITS.MAX_TENANT_ID_LENGTH})`);
  const origins = (values.origin ?? []).map(parseOrigin);
  const secret = newTenantSecret();
  if (!(await store.createTenant({ id, name, origins, secretHash: hashTenantSecret(secret) }))) throw new UsageError(`a tenant "${id}" already exists`);
  printSecret(values.json ?? false, id, secret, `Created tenant "${name}".`);
}

async function list(store: Store, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const tenants = await store.listTenants();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(tenants.map((t) => ({ tenantId: t.id, name: t.name, origins: t.origins, createdAt: new Date(t.createdAt).toISOString() })))}\n`);
    return;
  }
  for (const t of tenants) {
    process.stdout.write(`${t.id}\t${t.name}\t${t.origins.length ? t.origins.join(' ') : '(any origin)'}\t${new Date(t.createdAt).toISOString()}\n`);
  }
}

async function rotate(store: Store, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('rotate-secret needs one tenant id');
  const secret = newTenantSecret();
  if (!(await store.setTenantSecretHash(id, hashTenantSecret(secret)))) throw new UsageError(`no tenant "${id}"`);
  printSecret(values.json ?? false, id, secret, `New secret for tenant "${id}" (the old one no longer works).`);
}

const COMMANDS: Record<string, (store: Store, args: string[]) => Promise<void>> = { create, list, 'rotate-secret': rotate };

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const run = command ? COMMANDS[command] : undefined;
  if (!run) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const store = await openStore(loadConfig().databaseUrl, LIMITS.EVENT_LOG_KEEP);
  try {
    await store.init();
    await run(store, args);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError && 'code' in error)) throw error;
    process.stderr.write(`tenant: ${error.message}\n${USAGE}\n`);
    return 2;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`tenant: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
