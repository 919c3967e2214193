/**
 * `npm run tenant -- <command>`: manages tenants in the store named by DATABASE_URL (as the server does).
 *
 *   create --name NAME [--origin ORIGIN]… [--id ID] [--json]   prints the tenant id and its API secret
 *   list [--json]                                              every tenant
 *   show | update | delete …                                   one tenant (tenant-admin-commands.ts)
 *   help                                                       this list, exit 0
 *   rotate-secret ID [--revoke-previous] [--json]              a new secret; the old one stops working at once for
 *                                                              the dashboard and API, and for SSO after 2 days (at
 *                                                              once with --revoke-previous)
 *   rules ID [--write anyone|sso-only|nobody] [--resolve anyone|authors-and-moderators]
 *            [--presence on|off] [--presence-names on|off] [--simple-sso on|off] [--login-url URL|none] [--json]
 *                                                              shows the tenant's rules, changed as asked
 *   export ID [--url-id URL_ID] [--format jsonld|json]          the tenant's conversations (or one image's) to stdout:
 *                                                              W3C Web Annotation JSON-LD (default) or plain JSON
 *   import ID FILE [--json]                                    stores a plain JSON export (FILE, or - for stdin) into
 *                                                              the tenant; chats it already has are left as they are
 *   webhook add|list|enable|disable|rotate-secret|remove|deliveries|resend …
 *                                                              the tenant's webhook endpoints (webhook-commands.ts)
 *
 * With `--json`, `create` and `rotate-secret` print exactly `{"tenantId":…,"secret":…}`. The secret is shown
 * once: the store keeps its hash, and a copy sealed with the node's secrets key for checking SSO payloads.
 * Rule changes made here reach running nodes within their tenant cache's refresh (10 s); through the REST API
 * or the dashboard they reach every node at once.
 *
 * `import` keeps the chats' ids, authors, times and resolved state, and is idempotent: the same file again writes
 * nothing. It stores through the store, under each image's next seq; the CLI has no bus, so running nodes find
 * the new events with their seq probe (within SEQ_PROBE_INTERVAL_MS, 5 s) and deliver them to open pages. It
 * exits 1 when a chat was refused (a limit), listing them on stderr.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  EXPORT_FORMATS, ExportFormatError, LIMITS, changeRules, parseChatExport, toWebAnnotations, validateClientMessage, type TenantRules,
} from '../../shared/index.js';
import { exportChats } from '../core/chat-export.js';
import { importChats } from '../core/chat-import.js';
import { loadConfig, type Config } from '../config.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { newSecret, openSecretBox, rotation } from '../auth/tenant-secrets.js';
import type { SecretBox } from '../auth/secret-box.js';
import { UsageError } from './usage-error.js';
import { WEBHOOK_USAGE, webhookCommand } from './webhook-commands.js';
import { TENANT_ADMIN_USAGE, deleteCommand, showCommand, updateCommand } from './tenant-admin-commands.js';
import { parseOrigin } from './origin-argument.js';

const USAGE = `usage: npm run tenant -- create --name NAME [--origin ORIGIN]... [--id ID] [--json]
       npm run tenant -- list [--json]
${TENANT_ADMIN_USAGE}
       npm run tenant -- rotate-secret TENANT_ID [--revoke-previous] [--json]
       npm run tenant -- rules TENANT_ID [--write anyone|sso-only|nobody] [--resolve anyone|authors-and-moderators]
                               [--presence on|off] [--presence-names on|off] [--simple-sso on|off] [--login-url URL|none] [--json]
       npm run tenant -- export TENANT_ID [--url-id URL_ID] [--format jsonld|json]
       npm run tenant -- import TENANT_ID FILE [--json]      (FILE: a --format json export, or - for stdin)
${WEBHOOK_USAGE}`;

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A readable id from the name plus a random suffix, e.g. `acme-shop-k3x9q2`. */
function newTenantId(name: string): string {
  const slug = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'tenant';
  return `${slug}-${randomBytes(4).readUInt32BE(0).toString(36).padStart(6, '0').slice(-6)}`;
}

const printSecret = (json: boolean, tenantId: string, secret: string, what: string): void => {
  if (json) {
    process.stdout.write(`${JSON.stringify({ tenantId, secret })}\n`);
    return;
  }
  process.stdout.write(`${what}\n  tenant id: ${tenantId}\n  secret:    ${secret}\nKeep the secret now: it is not shown again.\n`);
};

async function create(store: Store, box: SecretBox, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { name: { type: 'string' }, origin: { type: 'string', multiple: true }, id: { type: 'string' }, json: { type: 'boolean' } } });
  const name = values.name?.trim();
  if (!name) throw new UsageError('create needs --name');
  const id = values.id ?? newTenantId(name);
  if (!ID_PATTERN.test(id) || id.length > LIMITS.MAX_TENANT_ID_LENGTH) throw new UsageError(`--id may hold only letters, digits, "-" and "_" (at most ${LIMITS.MAX_TENANT_ID_LENGTH})`);
  const origins = (values.origin ?? []).map(parseOrigin);
  const { secret, secretHash, ssoKey } = newSecret(box);
  if (!(await store.createTenant({ id, name, origins, secretHash, ssoKey }))) throw new UsageError(`a tenant "${id}" already exists`);
  printSecret(values.json ?? false, id, secret, `Created tenant "${name}".`);
}

async function list(store: Store, _box: SecretBox, args: string[]): Promise<void> {
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

async function rotate(store: Store, box: SecretBox, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, 'revoke-previous': { type: 'boolean' } } });
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('rotate-secret needs one tenant id');
  const revoke = values['revoke-previous'] ?? false;
  const { secret, change } = rotation(box, revoke);
  if (!(await store.rotateTenantSecret(id, change))) throw new UsageError(`no tenant "${id}"`);
  const previous = revoke ? 'the old one no longer works anywhere' : 'the old one no longer opens the dashboard or API; SSO payloads signed with it are taken for 2 more days';
  printSecret(values.json ?? false, id, secret, `New secret for tenant "${id}" (${previous}).`);
}

/** `--presence-names on` and the like: "on"/"off" only. */
function onOff(flag: string, value: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`--${flag} must be "on" or "off", got "${value}"`);
}

async function rules(store: Store, _box: SecretBox, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      write: { type: 'string' }, resolve: { type: 'string' }, presence: { type: 'string' }, 'presence-names': { type: 'string' }, 'simple-sso': { type: 'string' },
      'login-url': { type: 'string' }, json: { type: 'boolean' },
    },
  });
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('rules needs one tenant id');
  const tenant = await store.getTenant(id);
  if (!tenant) throw new UsageError(`no tenant "${id}"`);
  const change: Partial<TenantRules> = {
    ...(values.write !== undefined ? { write: values.write as TenantRules['write'] } : {}),
    ...(values.resolve !== undefined ? { resolve: values.resolve as TenantRules['resolve'] } : {}),
    ...(values.presence !== undefined ? { presence: onOff('presence', values.presence) } : {}),
    ...(values['presence-names'] !== undefined ? { presenceNames: onOff('presence-names', values['presence-names']) } : {}),
    ...(values['simple-sso'] !== undefined ? { simpleSso: onOff('simple-sso', values['simple-sso']) } : {}),
    ...(values['login-url'] !== undefined ? { loginUrl: values['login-url'] === 'none' ? null : values['login-url'] } : {}),
  };
  const result = changeRules(tenant.rules, change);
  if (!result.ok) throw new UsageError(result.message);
  if (Object.keys(change).length > 0 && !(await store.setTenantRules(id, result.rules))) throw new UsageError(`no tenant "${id}"`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ tenantId: id, rules: result.rules })}\n`);
    return;
  }
  const { write, resolve, presence, presenceNames, simpleSso, loginUrl } = result.rules;
  process.stdout.write(`rules of tenant "${id}":\n  write:          ${write}\n  resolve:        ${resolve}\n  presence:       ${presence ? 'on' : 'off'}\n  presence names: ${presenceNames ? 'on' : 'off'}\n`
    + `  simple SSO:     ${simpleSso ? 'on' : 'off'}\n  login URL:      ${loginUrl ?? 'none'}\n`);
}

/** One tenant id as the only positional, and that tenant exists. */
async function existingTenant(store: Store, command: string, positionals: string[], count: number): Promise<string> {
  const id = positionals[0];
  if (!id || positionals.length !== count) throw new UsageError(`${command} needs ${count === 1 ? 'one tenant id' : 'a tenant id and a file'}`);
  if (!(await store.getTenant(id))) throw new UsageError(`no tenant "${id}"`);
  return id;
}

async function exportCommand(store: Store, _box: SecretBox, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'url-id': { type: 'string' }, format: { type: 'string' } } });
  const id = await existingTenant(store, 'export', positionals, 1);
  const format = values.format ?? EXPORT_FORMATS.jsonld;
  if (format !== EXPORT_FORMATS.jsonld && format !== EXPORT_FORMATS.json) throw new UsageError(`--format must be "jsonld" or "json", got "${format}"`);
  const urlId = values['url-id'] ?? null;
  if (urlId !== null) {
    const checked = validateClientMessage({ type: 'subscribe', tenantId: id, urlId });
    if (!checked.ok) throw new UsageError(`--url-id: ${checked.error}`);
  }
  const exported = await exportChats(store, id, urlId);
  process.stdout.write(`${JSON.stringify(format === EXPORT_FORMATS.json ? exported : toWebAnnotations(exported), null, 2)}\n`);
}

async function importCommand(store: Store, _box: SecretBox, args: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const id = await existingTenant(store, 'import', positionals, 2);
  const file = positionals[1] ?? '';
  let exported;
  try {
    exported = parseChatExport(JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as unknown);
  } catch (error) {
    if (error instanceof ExportFormatError || error instanceof SyntaxError) throw new UsageError(`${file} is not a plain export: ${error.message}`);
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') throw new UsageError(`no file "${file}"`);
    throw error;
  }
  const report = await importChats(store, id, exported, config.limits);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ tenantId: id, ...report })}\n`);
  } else {
    process.stdout.write(`imported into "${id}": ${report.imported} chats stored, ${report.present} already there, ${report.refused.length} refused\n`);
  }
  for (const refused of report.refused) process.stderr.write(`refused ${refused.urlId} ${refused.chatId}: ${refused.code} ${refused.message}\n`);
  return report.refused.length > 0 ? 1 : 0;
}

type Command = (store: Store, box: SecretBox, args: string[], config: Config) => Promise<void | number>;

const COMMANDS: Record<string, Command> = {
  create, list, show: showCommand, update: updateCommand, delete: deleteCommand, 'rotate-secret': rotate, rules, export: exportCommand, import: importCommand,
  webhook: webhookCommand,
};

const HELP = new Set(['help', '--help', '-h']);

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command !== undefined && HELP.has(command)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const run = command ? COMMANDS[command] : undefined;
  if (!run) {
    process.stderr.write(`${command ? `tenant: no command "${command}"\n` : ''}${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const store = await openStore(config.databaseUrl, LIMITS.EVENT_LOG_KEEP);
  try {
    await store.init();
    return (await run(store, await openSecretBox(store, config.secretsKey), args, config)) ?? 0;
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
