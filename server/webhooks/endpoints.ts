/**
 * A tenant's webhook endpoints as the REST API, CLI and dashboard manage them: register (the signing secret is
 * answered once), change, turn on or off, rotate the secret, remove; and an endpoint's deliveries, resent on
 * request. Secrets are kept sealed (server/auth/secret-box.ts), since signing needs them in the clear.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { WebhookDeliveryView, WebhookEndpointView } from '../../shared/index.js';
import type { Store } from '../store/types.js';
import type { WebhookDelivery, WebhookEndpoint } from '../store/webhook-types.js';
import type { SecretBox } from '../auth/secret-box.js';
import { checkEndpointUrl, EndpointInputError, type EndpointInput } from './endpoint-input.js';
import type { WebhookSettings } from './settings.js';

/** After a rotation the previous secret signs too, for this long, so receivers can switch without missing deliveries. */
export const ROTATION_GRACE_MS = 24 * 3600_000;

export class EndpointLimitError extends Error {}

export const newSigningSecret = (): string => `whsec_${randomBytes(24).toString('base64url')}`;

/** What may be shown of an endpoint: everything but its tenant and its secrets. */
export function endpointView(endpoint: WebhookEndpoint): WebhookEndpointView {
  const { tenantId: _tenantId, secrets: _secrets, ...view } = endpoint;
  return view;
}

export const deliveryView = (delivery: WebhookDelivery): WebhookDeliveryView => ({
  id: delivery.id, eventId: delivery.eventId, type: delivery.type, urlId: delivery.urlId, seq: delivery.seq, state: delivery.state,
  attempts: delivery.attempts, lastStatus: delivery.lastStatus, lastError: delivery.lastError,
  nextAttemptAt: delivery.state === 'pending' ? delivery.nextAttemptAt : null, createdAt: delivery.createdAt, finishedAt: delivery.finishedAt,
});

export class WebhookEndpoints {
  constructor(private readonly store: Store, private readonly box: SecretBox, private readonly settings: WebhookSettings) {}

  /** A new endpoint, on from now; its secret is in the answer and nowhere else in the clear. */
  async register(tenantId: string, input: EndpointInput): Promise<{ endpoint: WebhookEndpointView; secret: string } | null> {
    if (input.url === undefined) throw new EndpointInputError('"url" is required');
    const url = await checkEndpointUrl(input.url, this.settings.allowPrivateAddresses);
    const secret = newSigningSecret();
    const endpoint: WebhookEndpoint = {
      id: `wh_${randomUUID().replaceAll('-', '')}`, tenantId, url, description: input.description ?? '', events: input.events ?? ['*'],
      enabled: input.enabled ?? true, disabledReason: input.enabled === false ? 'turned off by the tenant' : null, createdAt: Date.now(),
      secrets: { current: this.box.seal(secret), previous: null, previousUntil: 0 },
    };
    if (!(await this.store.getTenant(tenantId))) return null;
    if (!(await this.store.createWebhookEndpoint(endpoint, this.settings.maxEndpointsPerTenant))) {
      throw new EndpointLimitError(`a tenant may have at most ${this.settings.maxEndpointsPerTenant} webhook endpoints`);
    }
    return { endpoint: endpointView(endpoint), secret };
  }

  async list(tenantId: string): Promise<WebhookEndpointView[]> {
    return (await this.store.listWebhookEndpoints(tenantId)).map(endpointView);
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpointView | null> {
    const endpoint = await this.store.getWebhookEndpoint(tenantId, id);
    return endpoint ? endpointView(endpoint) : null;
  }

  /** Null when the endpoint is not the tenant's. Turning it on again resumes its pending deliveries. */
  async change(tenantId: string, id: string, input: EndpointInput): Promise<WebhookEndpointView | null> {
    const url = input.url === undefined ? undefined : await checkEndpointUrl(input.url, this.settings.allowPrivateAddresses);
    const changed = await this.store.updateWebhookEndpoint(tenantId, id, {
      url, events: input.events, description: input.description, enabled: input.enabled,
      disabledReason: input.enabled === false ? 'turned off by the tenant' : undefined,
    });
    return changed ? this.get(tenantId, id) : null;
  }

  /** A new secret, answered once; the previous one keeps signing for ROTATION_GRACE_MS unless revoked. */
  async rotate(tenantId: string, id: string, revokePrevious: boolean, now = Date.now()): Promise<{ secret: string; previousValidUntil: number | null } | null> {
    const endpoint = await this.store.getWebhookEndpoint(tenantId, id);
    if (!endpoint) return null;
    const secret = newSigningSecret();
    const previousUntil = revokePrevious ? 0 : now + ROTATION_GRACE_MS;
    const secrets = { current: this.box.seal(secret), previous: revokePrevious ? null : endpoint.secrets.current, previousUntil };
    if (!(await this.store.updateWebhookEndpoint(tenantId, id, { secrets }))) return null;
    return { secret, previousValidUntil: revokePrevious ? null : previousUntil };
  }

  remove(tenantId: string, id: string): Promise<boolean> {
    return this.store.deleteWebhookEndpoint(tenantId, id);
  }

  async deliveries(tenantId: string, id: string, before: string | null, limit: number): Promise<{ deliveries: WebhookDeliveryView[]; next: string | null } | null> {
    if (!(await this.store.getWebhookEndpoint(tenantId, id))) return null;
    const page = await this.store.listWebhookDeliveries(tenantId, id, before, limit);
    return { deliveries: page.deliveries.map(deliveryView), next: page.next };
  }

  /** Due now, attempts counted from zero. False when it is not the endpoint's or is being sent right now. */
  resend(tenantId: string, id: string, deliveryId: string): Promise<boolean> {
    return this.store.resendWebhookDelivery(tenantId, id, deliveryId, Date.now());
  }
}
