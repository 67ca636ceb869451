// What a provider administrator may do with the machine interface (API keys, webhook endpoints,
// the delivery log), in one place for both doors: the JSON routes (admin-plugin.ts) and the
// server-rendered "API & webhooks" page (relay/providers/web-plugin.ts). Inputs arrive as the
// request gave them (unknown); every refusal is an IntegrationError with the HTTP status, a code
// and a sentence naming what was wrong. Who may call (signed in, admin, CSRF) is the callers' job.
import type { RelayStorage } from '../storage/types.js';
import { createApiKey, ProviderApiKeyError } from './api-plugin.js';
import type { ApiKey, DeliveryLogEntry, DeliveryStatus, WebhookEndpoint } from './records.js';
import { type ProviderWebhooks, WebhookError } from './webhooks.js';

export class IntegrationError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An endpoint as shown to its provider: never the sealed secret. */
export type ShownEndpoint = Omit<WebhookEndpoint, 'sealedSecret'>;

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed', 'withheld'];

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const shown = ({ sealedSecret: _s, ...e }: WebhookEndpoint): ShownEndpoint => e;

export class ProviderIntegrations {
  constructor(
    private readonly storage: RelayStorage,
    private readonly webhooks: ProviderWebhooks,
  ) {}

  listKeys(providerId: string): Promise<ApiKey[]> {
    return this.storage.providerApi.listKeys(providerId);
  }

  /** A new key: the key itself is in this answer only. */
  async createKey(providerId: string, createdBy: string, name: unknown, scopes: unknown): Promise<{ key: string; record: ApiKey }> {
    const list = Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : typeof scopes === 'string' && scopes ? [scopes] : [];
    try {
      return await createApiKey(this.storage, { providerId, name: text(name), scopes: list, createdBy });
    } catch (err) {
      if (err instanceof ProviderApiKeyError) throw new IntegrationError(400, 'bad-key-request', err.message);
      throw err;
    }
  }

  async revokeKey(providerId: string, id: string): Promise<void> {
    if (!(await this.storage.providerApi.revokeKey(providerId, id, new Date().toISOString()))) throw new IntegrationError(404, 'not-found', 'No live key with this id.');
  }

  async listEndpoints(providerId: string): Promise<ShownEndpoint[]> {
    return (await this.storage.providerApi.listEndpoints(providerId)).map(shown);
  }

  /** A new endpoint (address checked by checkEndpointUrl): its signing secret is in this answer only. */
  async addEndpoint(providerId: string, createdBy: string, url: unknown, description: unknown): Promise<{ endpoint: ShownEndpoint; secret: string }> {
    const note = text(description).trim().slice(0, 200);
    try {
      const { endpoint, secret } = await this.webhooks.addEndpoint({ providerId, url: text(url), description: note || null, createdBy });
      return { endpoint: shown(endpoint), secret };
    } catch (err) {
      if (err instanceof WebhookError) throw new IntegrationError(err.code === 'no-key' ? 503 : 400, err.code, err.message);
      throw err;
    }
  }

  async removeEndpoint(providerId: string, id: string): Promise<void> {
    if (!(await this.storage.providerApi.removeEndpoint(providerId, id, new Date().toISOString()))) throw new IntegrationError(404, 'not-found', 'No live endpoint with this id.');
  }

  /** The delivery log, newest first; `status` filters (absent or empty: all). */
  async deliveries(providerId: string, status?: unknown, limit?: number): Promise<DeliveryLogEntry[]> {
    if (status !== undefined && status !== '' && !(typeof status === 'string' && (DELIVERY_STATUSES as readonly string[]).includes(status))) {
      throw new IntegrationError(400, 'bad-status', `status is one of ${DELIVERY_STATUSES.join(', ')}.`);
    }
    return this.storage.providerApi.deliveryLog(providerId, { status: status ? (status as DeliveryStatus) : undefined, limit });
  }

  /** Puts a failed delivery back in the queue and wakes delivery. */
  async retry(providerId: string, endpointId: string, eventId: string): Promise<void> {
    const done = await this.storage.providerApi.retryDelivery(providerId, endpointId, eventId, new Date().toISOString());
    if (!done) throw new IntegrationError(404, 'not-found', 'No failed delivery with these ids.');
    this.webhooks.wake();
  }
}
