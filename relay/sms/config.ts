// The relay's Telnyx settings: the SDK's own environment variables (TELNYX_API_KEY,
// TELNYX_PUBLIC_KEY, TELNYX_BASE_URL) plus TELNYX_MESSAGING_PROFILE_ID, or the same keys in a
// JSON file (`--telnyx-config FILE`; the environment wins). None of them is ever logged: the
// config object hides its secrets from JSON and inspection, and server.ts redacts the fields.
import fs from 'node:fs';
import { inspect } from 'node:util';
import type Telnyx from 'telnyx';

export interface TelnyxConfig {
  apiKey: string;
  /** Base64 Ed25519 public key from the Telnyx portal; webhooks are refused without it. */
  publicKey: string | null;
  baseURL: string | null;
  messagingProfileId: string | null;
  /** How long one API call may take before the outcome counts as unknown (ms). */
  timeoutMs: number;
}

const KEYS = ['TELNYX_API_KEY', 'TELNYX_PUBLIC_KEY', 'TELNYX_BASE_URL', 'TELNYX_MESSAGING_PROFILE_ID'] as const;

export class TelnyxConfigError extends Error {}

/** Null when no API key is configured anywhere (the relay then runs without texting). */
export function readTelnyxConfig(env: NodeJS.ProcessEnv = process.env, file?: string): TelnyxConfig | null {
  let fromFile: Partial<Record<(typeof KEYS)[number], string>> = {};
  if (file) {
    try {
      fromFile = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof fromFile;
    } catch (err) {
      throw new TelnyxConfigError(`Cannot read the Telnyx settings in ${file}: ${(err as Error).message.replace(/[A-Za-z0-9_\-]{24,}/g, '…')}`);
    }
  }
  const get = (key: (typeof KEYS)[number]) => {
    const v = env[key] ?? fromFile[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
  };
  const apiKey = get('TELNYX_API_KEY');
  if (!apiKey) return null;
  const timeout = Number(env.BAYLINE_SMS_TIMEOUT_MS ?? 15_000);
  const config: TelnyxConfig = {
    apiKey,
    publicKey: get('TELNYX_PUBLIC_KEY'),
    baseURL: get('TELNYX_BASE_URL'),
    messagingProfileId: get('TELNYX_MESSAGING_PROFILE_ID'),
    timeoutMs: Number.isFinite(timeout) && timeout >= 100 ? timeout : 15_000,
  };
  return hideSecrets(config);
}

/** A config that prints without its key, whatever logs or throws it. */
export function hideSecrets(config: TelnyxConfig): TelnyxConfig {
  if (Object.hasOwn(config, 'toJSON')) return config;
  const shown = () => ({
    apiKey: '[redacted]',
    publicKey: config.publicKey ? '[set]' : null,
    baseURL: config.baseURL,
    messagingProfileId: config.messagingProfileId ? '[set]' : null,
    timeoutMs: config.timeoutMs,
  });
  Object.defineProperty(config, 'toJSON', { value: shown, enumerable: false });
  Object.defineProperty(config, inspect.custom, { value: shown, enumerable: false });
  return config;
}

/**
 * The SDK client: retries off (a retried send could send twice; an unknown outcome is for a
 * person), the SDK's own logging off (it could print request details), our timeout. The SDK
 * (some 440 modules) is loaded on first use, so a relay without texting never loads it.
 */
export async function telnyxClient(config: TelnyxConfig): Promise<Telnyx> {
  const { default: Telnyx } = await import('telnyx');
  loadedSdk = Telnyx;
  return new Telnyx({
    apiKey: config.apiKey,
    publicKey: config.publicKey,
    ...(config.baseURL ? { baseURL: config.baseURL } : {}),
    maxRetries: 0,
    timeout: config.timeoutMs,
    logLevel: 'off',
  });
}

let loadedSdk: typeof Telnyx | null = null;

/** Telnyx's refusal as an APIError of the SDK (false when the SDK was never loaded: nothing asked Telnyx). */
export function isTelnyxApiError(err: unknown): err is InstanceType<typeof Telnyx.APIError> {
  return loadedSdk !== null && err instanceof loadedSdk.APIError;
}
