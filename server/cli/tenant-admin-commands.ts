/**
 * `npm run tenant -- show | update | delete`: reading, changing and removing one tenant (docs/dashboard.md#tenants).
 *
 *   show ID [--json]                                         the tenant: name, origins, rules, images, webhooks
 *   update ID [--name NAME] [--origin ORIGIN]... [--any-origin] [--json]
 *                                                            a new name and/or origins (`--any-origin`: every page)
 *   delete ID --yes [--json]                                 the tenant and everything stored for it, at once
 *
 * Running nodes see a change within their tenant cache's refresh (10 s).
 */
import { parseArgs } from 'node:util';
import type { Store, Tenant } from '../store/types.js';
import type { SecretBox } from '../auth/secret-box.js';
import { UsageError } from './usage-error.js';
import { parseOrigin } from './origin-argument.js';

export const TENANT_ADMIN_USAGE = `       npm run tenant -- show TENANT_ID [--json]
       npm run tenant -- update TENANT_ID [--name NAME] [--origin ORIGIN]... [--any-origin] [--json]
       npm run tenant -- delete TENANT_ID --yes [--json]      (removes its images, threads, usage and webhooks)`;

const write = (text: string): void => { process.stdout.write(`${text}\n`); };

async function tenantOf(store: Store, command: string, positionals: string[]): Promise<Tenant> {
  const id = positionals[0];
  if (!id || positionals.length !== 1) throw new UsageError(`${command} needs one tenant id`);
  const tenant = await store.getTenant(id);
  if (!tenant) throw new UsageError(`no tenant "${id}"`);
  return tenant;
}

/** The tenant as `show` and `update` print it (never a secret). */
const described = (tenant: Tenant, images: number, webhooks: number) => ({
  tenantId: tenant.id, name: tenant.name, origins: tenant.origins, createdAt: new Date(tenant.createdAt).toISOString(),
  rules: tenant.rules, images, webhooks, ssoReady: tenant.ssoKeys.current !== null,
});

async function describe(store: Store, tenant: Tenant): Promise<ReturnType<typeof described>> {
  const [page, endpoints] = await Promise.all([store.listImages(tenant.id, null, 1000), store.listWebhookEndpoints(tenant.id)]);
  return described(tenant, page.images.length, endpoints.length);
}

function print(json: boolean, shown: ReturnType<typeof described>, images: string): void {
  if (json) return write(JSON.stringify(shown));
  write([
    `tenant "${shown.tenantId}"`, `  name:      ${shown.name}`, `  origins:   ${shown.origins.length ? shown.origins.join(' ') : '(any origin)'}`,
    `  created:   ${shown.createdAt}`, `  rules:     write ${shown.rules.write}, resolve ${shown.rules.resolve}`, `  images:    ${images}`,
    `  webhooks:  ${shown.webhooks}`, `  SSO:       ${shown.ssoReady ? 'ready' : 'rotate the secret once to set it up'}`,
  ].join('\n'));
}

export async function showCommand(store: Store, _box: SecretBox, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const shown = await describe(store, await tenantOf(store, 'show', positionals));
  print(values.json ?? false, shown, shown.images >= 1000 ? '1000 or more' : String(shown.images));
}

export async function updateCommand(store: Store, _box: SecretBox, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { name: { type: 'string' }, origin: { type: 'string', multiple: true }, 'any-origin': { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const tenant = await tenantOf(store, 'update', positionals);
  const name = values.name?.trim();
  if (values.name !== undefined && !name) throw new UsageError('--name must not be empty');
  if (values.origin && values['any-origin']) throw new UsageError('give --origin or --any-origin, not both');
  const origins = values['any-origin'] ? [] : values.origin?.map(parseOrigin);
  if (name === undefined && origins === undefined) throw new UsageError('update needs --name, --origin or --any-origin');
  if (!(await store.updateTenant(tenant.id, { name, origins }))) throw new UsageError(`no tenant "${tenant.id}"`);
  const shown = await describe(store, (await store.getTenant(tenant.id))!);
  print(values.json ?? false, shown, String(shown.images));
}

export async function deleteCommand(store: Store, _box: SecretBox, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { yes: { type: 'boolean' }, json: { type: 'boolean' } } });
  const tenant = await tenantOf(store, 'delete', positionals);
  // Nothing of it can be brought back: the caller says so on the command line, every time.
  if (!values.yes) throw new UsageError(`delete removes tenant "${tenant.id}" with all its images, threads, usage and webhooks; add --yes to do it`);
  if (!(await store.deleteTenant(tenant.id))) throw new UsageError(`no tenant "${tenant.id}"`);
  if (values.json) return write(JSON.stringify({ tenantId: tenant.id, deleted: true }));
  write(`Deleted tenant "${tenant.id}" and everything stored for it.`);
}
