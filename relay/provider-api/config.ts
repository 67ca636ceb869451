// The provider API's settings from the environment: the key that seals webhook secrets
// (BAYLINE_WEBHOOK_KEY, or _FILE; else BAYLINE_MAIL_TOKEN_KEY, like e-signature), the request limit
// per key, and the webhook timings (defaults suit production; tests shorten them).
import fs from 'node:fs';
import { parseTokenKey, TokenVault } from '../email/token-vault.js';
import type { WebhookOptions } from './webhooks.js';

export interface ProviderApiConfig {
  webhooks: WebhookOptions;
  requestsPerMinute?: number;
}

export class ProviderApiConfigError extends Error {}

export function readProviderApiConfig(env: NodeJS.ProcessEnv): ProviderApiConfig {
  let keyText = env.BAYLINE_WEBHOOK_KEY?.trim();
  const keyFile = env.BAYLINE_WEBHOOK_KEY_FILE?.trim();
  if (!keyText && keyFile) {
    try {
      keyText = fs.readFileSync(keyFile, 'utf8').trim();
    } catch (err) {
      throw new ProviderApiConfigError(`Cannot read the webhook key file ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
    }
  }
  keyText ||= env.BAYLINE_MAIL_TOKEN_KEY?.trim();
  let vault: TokenVault | null = null;
  if (keyText) {
    try {
      vault = new TokenVault(parseTokenKey(keyText));
    } catch (err) {
      throw new ProviderApiConfigError(`BAYLINE_WEBHOOK_KEY: ${(err as Error).message.replace('mail token key', 'webhook key')}`);
    }
  }
  const ms = (name: string, min: number, unit = 'a number of milliseconds'): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new ProviderApiConfigError(`${name} takes ${unit} of at least ${min}, not "${raw}".`);
    return n;
  };
  const rpm = env.BAYLINE_PROVIDER_API_RPM;
  if (rpm !== undefined && (!Number.isInteger(Number(rpm)) || Number(rpm) < 1)) throw new ProviderApiConfigError(`BAYLINE_PROVIDER_API_RPM takes a whole number of requests per minute, not "${rpm}".`);
  return {
    requestsPerMinute: rpm === undefined ? undefined : Number(rpm),
    webhooks: {
      vault,
      pollMs: ms('BAYLINE_WEBHOOK_POLL_MS', 50),
      leaseMs: ms('BAYLINE_WEBHOOK_LEASE_MS', 500),
      retryBaseMs: ms('BAYLINE_WEBHOOK_RETRY_BASE_MS', 10),
      retryMaxMs: ms('BAYLINE_WEBHOOK_RETRY_MAX_MS', 10),
      timeoutMs: ms('BAYLINE_WEBHOOK_TIMEOUT_MS', 100),
      maxAttempts: ms('BAYLINE_WEBHOOK_MAX_ATTEMPTS', 1, 'a whole number of tries'),
    },
  };
}
