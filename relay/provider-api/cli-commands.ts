// The operator's commands for a provider's API keys and webhook endpoints (`npm run relay -- …`),
// until the provider's admin manages them in the provider web app:
//   api-key create --provider SLUG --name NAME [--scopes a,b]   (prints the key once)
//   api-key list --provider SLUG | api-key revoke --provider SLUG --key ID
//   webhook add --provider SLUG --url URL (prints the signing secret once)
//   webhook list --provider SLUG | webhook remove --provider SLUG --endpoint ID
//   webhook deliveries --provider SLUG
import type { RelayStorage } from '../storage/types.js';
import { createApiKey, ProviderApiKeyError } from './api-plugin.js';
import { ProviderApiConfigError, readProviderApiConfig } from './config.js';
import { SCOPES } from './secrets.js';
import { ProviderWebhooks, WebhookError } from './webhooks.js';
import { ProviderAccess } from '../providers/access.js';
import { ProviderIndex } from '../providers/provider-index.js';

export const PROVIDER_API_COMMANDS = ['api-key create', 'api-key list', 'api-key revoke', 'webhook add', 'webhook list', 'webhook remove', 'webhook deliveries'];

export const PROVIDER_API_USAGE = `  npm run relay -- api-key create --provider SLUG --name NAME [--scopes ${SCOPES.join(',')}]
                                        a key for a work provider's systems (shown once)
  npm run relay -- api-key list --provider SLUG | api-key revoke --provider SLUG --key ID
  npm run relay -- webhook add --provider SLUG --url https://…
                                        where the provider receives signed events (secret shown once)
  npm run relay -- webhook list --provider SLUG | webhook remove --provider SLUG --endpoint ID
  npm run relay -- webhook deliveries --provider SLUG
                                        the delivery log: status, attempts, last answer`;

export class ProviderApiCommandError extends Error {}

export async function runProviderApiCommand(
  storage: RelayStorage,
  command: string,
  values: { provider?: string; name?: string; scopes?: string; key?: string; url?: string; endpoint?: string },
  print: (line: string) => void = console.log,
): Promise<number> {
  if (!values.provider) throw new ProviderApiCommandError('Say which work provider with --provider SLUG.');
  const provider = await storage.providers.findProvider(values.provider);
  if (!provider) throw new ProviderApiCommandError(`There is no work provider "${values.provider}".`);
  const operator = 'operator';
  try {
    switch (command) {
      case 'api-key create': {
        if (!values.name) throw new ProviderApiCommandError('Give the key a name with --name (what will use it).');
        const scopes = (values.scopes ?? SCOPES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
        const { key, record } = await createApiKey(storage, { providerId: provider.id, name: values.name, scopes, createdBy: operator });
        print(`API key "${record.name}" for ${provider.name} (${record.scopes.join(', ')}), id ${record.id}:`);
        print(key);
        print('Copy it now: it is not shown again (the relay keeps only its hash).');
        return 0;
      }
      case 'api-key list': {
        for (const k of await storage.providerApi.listKeys(provider.id)) {
          print(`${k.id}  ${k.prefix}…  ${k.name}  ${k.scopes.join(',')}  ${k.revokedAt ? `revoked ${k.revokedAt}` : `last used ${k.lastUsedAt ?? 'never'}`}`);
        }
        return 0;
      }
      case 'api-key revoke': {
        if (!values.key) throw new ProviderApiCommandError('Say which key with --key ID (see: api-key list).');
        const done = await storage.providerApi.revokeKey(provider.id, values.key, new Date().toISOString());
        print(done ? 'Revoked: the next request with this key is refused.' : 'No live key with this id for this provider.');
        return done ? 0 : 1;
      }
      case 'webhook add': {
        if (!values.url) throw new ProviderApiCommandError('Say where with --url https://….');
        const webhooks = new ProviderWebhooks(storage, new ProviderAccess(storage), new ProviderIndex(storage), console, readProviderApiConfig(process.env).webhooks);
        const { endpoint, secret } = await webhooks.addEndpoint({ providerId: provider.id, url: values.url, createdBy: operator });
        print(`Endpoint ${endpoint.id} → ${endpoint.url}. Signing secret (shown once):`);
        print(secret);
        return 0;
      }
      case 'webhook list': {
        for (const e of await storage.providerApi.listEndpoints(provider.id)) print(`${e.id}  ${e.url}  ${e.removedAt ? `removed ${e.removedAt}` : 'live'}`);
        return 0;
      }
      case 'webhook remove': {
        if (!values.endpoint) throw new ProviderApiCommandError('Say which endpoint with --endpoint ID (see: webhook list).');
        const done = await storage.providerApi.removeEndpoint(provider.id, values.endpoint, new Date().toISOString());
        print(done ? 'Removed: nothing more is sent there.' : 'No live endpoint with this id for this provider.');
        return done ? 0 : 1;
      }
      case 'webhook deliveries': {
        for (const d of await storage.providerApi.deliveryLog(provider.id, { limit: 50 })) {
          print(`${d.createdAt}  ${d.kind}  ${d.status}  attempts ${d.attempts}  ${d.lastStatusCode ?? ''} ${d.lastError ?? ''}  ${d.eventId}`.replace(/\s+$/, ''));
        }
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof ProviderApiKeyError || err instanceof WebhookError || err instanceof ProviderApiConfigError) throw new ProviderApiCommandError(err.message);
    throw err;
  }
  throw new ProviderApiCommandError(`Unknown command "${command}".`);
}
