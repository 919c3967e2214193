/**
 * `npm run tenant -- webhook <command>`: a tenant's webhook endpoints from the command line, as the REST API
 * and dashboard manage them (docs/webhooks.md). The signing secret is printed once, when made or rotated.
 *
 *   webhook add TENANT_ID --url URL [--event TYPE]... [--description TEXT] [--json]
 *   webhook list TENANT_ID [--json]
 *   webhook enable|disable TENANT_ID WEBHOOK_ID
 *   webhook rotate-secret TENANT_ID WEBHOOK_ID [--revoke-previous] [--json]
 *   webhook remove TENANT_ID WEBHOOK_ID
 *   webhook deliveries TENANT_ID WEBHOOK_ID [--limit N] [--json]
 *   webhook resend TENANT_ID WEBHOOK_ID DELIVERY_ID
 */
import { parseArgs } from 'node:util';
import type { WebhookEndpointView } from '../../shared/index.js';
import type { Store } from '../store/types.js';
import type { SecretBox } from '../auth/secret-box.js';
import type { Config } from '../config.js';
import { EndpointLimitError, WebhookEndpoints } from '../webhooks/endpoints.js';
import { EndpointInputError, parseEndpointInput } from '../webhooks/endpoint-input.js';
import { UsageError } from './usage-error.js';

export const WEBHOOK_USAGE = `       npm run tenant -- webhook add TENANT_ID --url URL [--event TYPE]... [--description TEXT] [--json]
       npm run tenant -- webhook list TENANT_ID [--json]
       npm run tenant -- webhook enable|disable|remove TENANT_ID WEBHOOK_ID [--json]
       npm run tenant -- webhook rotate-secret TENANT_ID WEBHOOK_ID [--revoke-previous] [--json]
       npm run tenant -- webhook deliveries TENANT_ID WEBHOOK_ID [--limit N] [--json]
       npm run tenant -- webhook resend TENANT_ID WEBHOOK_ID DELIVERY_ID [--json]`;

const write = (text: string): void => { process.stdout.write(`${text}\n`); };

const describe = (endpoint: WebhookEndpointView): string =>
  `${endpoint.id}\t${endpoint.enabled ? 'on' : `off (${endpoint.disabledReason ?? 'turned off'})`}\t${endpoint.events.join(',')}\t${endpoint.url}${endpoint.description ? `\t${endpoint.description}` : ''}`;

/** Positionals after the subcommand: exactly `names`, the first a tenant that exists. */
async function positionalsOf(store: Store, subcommand: string, positionals: string[], names: string[]): Promise<string[]> {
  if (positionals.length !== names.length) throw new UsageError(`webhook ${subcommand} needs ${names.join(' ')}`);
  if (!(await store.getTenant(positionals[0]!))) throw new UsageError(`no tenant "${positionals[0]}"`);
  return positionals;
}

/** Refusals of the endpoint's input as usage errors, which print what to fix. */
async function checked<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EndpointInputError || error instanceof EndpointLimitError) throw new UsageError(error.message);
    throw error;
  }
}

export async function webhookCommand(store: Store, box: SecretBox, argv: string[], config: Config): Promise<void> {
  const [subcommand = '', ...args] = argv;
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      url: { type: 'string' }, event: { type: 'string', multiple: true }, description: { type: 'string' }, json: { type: 'boolean' },
      'revoke-previous': { type: 'boolean' }, limit: { type: 'string' },
    },
  });
  const endpoints = new WebhookEndpoints(store, box, config.webhooks);
  const json = values.json ?? false;
  const missing = (tenantId: string, id: string) => new UsageError(`tenant "${tenantId}" has no webhook "${id}"`);
  switch (subcommand) {
    case 'add': {
      const [tenantId] = await positionalsOf(store, 'add', positionals, ['TENANT_ID']);
      const input = await checked(async () => parseEndpointInput({ url: values.url, events: values.event, description: values.description }, true));
      const made = await checked(() => endpoints.register(tenantId!, input));
      if (!made) throw new UsageError(`no tenant "${tenantId}"`);
      if (json) return write(JSON.stringify({ webhook: made.endpoint, secret: made.secret }));
      return write(`Registered webhook ${made.endpoint.id} for ${made.endpoint.url} (${made.endpoint.events.join(', ')}).\n  signing secret: ${made.secret}\nKeep the secret now: it is not shown again.`);
    }
    case 'list': {
      const [tenantId] = await positionalsOf(store, 'list', positionals, ['TENANT_ID']);
      const list = await endpoints.list(tenantId!);
      if (json) return write(JSON.stringify(list));
      return write(list.length === 0 ? `tenant "${tenantId}" has no webhooks` : list.map(describe).join('\n'));
    }
    case 'enable':
    case 'disable': {
      const [tenantId, id] = await positionalsOf(store, subcommand, positionals, ['TENANT_ID', 'WEBHOOK_ID']);
      const changed = await endpoints.change(tenantId!, id!, { enabled: subcommand === 'enable' });
      if (!changed) throw missing(tenantId!, id!);
      return write(json ? JSON.stringify(changed) : describe(changed));
    }
    case 'rotate-secret': {
      const [tenantId, id] = await positionalsOf(store, 'rotate-secret', positionals, ['TENANT_ID', 'WEBHOOK_ID']);
      const rotated = await endpoints.rotate(tenantId!, id!, values['revoke-previous'] ?? false);
      if (!rotated) throw missing(tenantId!, id!);
      if (json) return write(JSON.stringify(rotated));
      const previous = rotated.previousValidUntil === null ? 'the old one no longer signs' : `the old one signs too until ${new Date(rotated.previousValidUntil).toISOString()}`;
      return write(`New signing secret for ${id} (${previous}):\n  signing secret: ${rotated.secret}\nKeep the secret now: it is not shown again.`);
    }
    case 'remove': {
      const [tenantId, id] = await positionalsOf(store, 'remove', positionals, ['TENANT_ID', 'WEBHOOK_ID']);
      if (!(await endpoints.remove(tenantId!, id!))) throw missing(tenantId!, id!);
      return write(json ? JSON.stringify({ webhookId: id, removed: true }) : `Removed webhook ${id} and its deliveries.`);
    }
    case 'deliveries': {
      const [tenantId, id] = await positionalsOf(store, 'deliveries', positionals, ['TENANT_ID', 'WEBHOOK_ID']);
      const limit = Number(values.limit ?? 25);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError('--limit must be a whole number from 1 to 100');
      const page = await endpoints.deliveries(tenantId!, id!, null, limit);
      if (!page) throw missing(tenantId!, id!);
      if (json) return write(JSON.stringify(page.deliveries));
      return write(page.deliveries.map((d) => [d.id, d.type, d.urlId, `seq ${d.seq}`, d.state, `${d.attempts} attempts`, d.lastStatus ?? '-',
        d.nextAttemptAt === null ? '' : `next ${new Date(d.nextAttemptAt).toISOString()}`, d.lastError ?? ''].join('\t')).join('\n') || 'no deliveries');
    }
    case 'resend': {
      const [tenantId, id, deliveryId] = await positionalsOf(store, 'resend', positionals, ['TENANT_ID', 'WEBHOOK_ID', 'DELIVERY_ID']);
      if (!/^\d{1,15}$/.test(deliveryId!) || !(await endpoints.resend(tenantId!, id!, deliveryId!))) {
        throw new UsageError(`webhook "${id}" has no delivery "${deliveryId}" that can be resent now`);
      }
      return write(json ? JSON.stringify({ deliveryId, resent: true }) : `Delivery ${deliveryId} is due now; a running node sends it within WEBHOOK_POLL_MS.`);
    }
    default:
      throw new UsageError(`webhook needs a command: add, list, enable, disable, rotate-secret, remove, deliveries, resend`);
  }
}
