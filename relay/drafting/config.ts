// The operator's model settings for drafts (issue 15): any OpenAI-compatible chat endpoint by base
// URL — OpenAI, Azure OpenAI (its /openai/v1 address), or a local server a shop or the operator
// runs (Ollama, vLLM, llama.cpp) — with the model's name, its key (empty for a local server), a
// monthly token budget per shop and the time a draft may take. From the environment, or the same
// keys in a JSON file (`--drafting-config FILE`; the environment wins). Without a base URL and a
// model the relay has no drafting: desks then use their template drafter. The key never prints:
// the config logs and serialises without it.
import fs from 'node:fs';
import { inspect } from 'node:util';

export interface DraftingConfig {
  /** The endpoint's root, up to and including its version (https://api.openai.com/v1). */
  baseUrl: string;
  /** Sent as the bearer key; a placeholder for servers that need none (the SDK insists on one). */
  apiKey: string;
  model: string;
  /** A short name for the audit trail and Settings: openai, azure-openai, ollama, or the host. */
  provider: string;
  /** Tokens (in + out) a shop may use per calendar month (UTC); null: no limit. */
  monthlyTokens: number | null;
  /** The whole draft, from the request to the last word (ms). */
  timeoutMs: number;
  /** The model's first word (ms): a server that does not start answering by then is given up on. */
  firstTokenMs: number;
  /** Tries again after a 429 or a 5xx, only before any text was streamed. */
  maxRetries: number;
  /** Which API the endpoint speaks: OpenAI's chat completions (default) or Anthropic's Messages. */
  api?: 'openai' | 'anthropic';
  /** Ask for the JSON-schema answer (body, facts used, unsure); off for servers without it. Default on. */
  structuredOutput?: boolean;
}

const KEYS = [
  'BAYLINE_AI_BASE_URL', 'BAYLINE_AI_API_KEY', 'BAYLINE_AI_MODEL', 'BAYLINE_AI_PROVIDER',
  'BAYLINE_AI_MONTHLY_TOKENS', 'BAYLINE_AI_TIMEOUT_MS', 'BAYLINE_AI_FIRST_TOKEN_MS', 'BAYLINE_AI_MAX_RETRIES',
  'BAYLINE_AI_API', 'BAYLINE_AI_STRUCTURED',
] as const;

export const DEFAULT_MONTHLY_TOKENS = 2_000_000;
const NO_KEY = 'no-key';

export class DraftingConfigError extends Error {}

/** The provider's short name, from the address when the operator does not give one. */
export function providerOf(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.hostname === 'api.openai.com') return 'openai';
  if (url.hostname === 'api.anthropic.com') return 'anthropic';
  if (url.hostname.endsWith('.openai.azure.com') || url.hostname.endsWith('.cognitiveservices.azure.com')) return 'azure-openai';
  if (url.port === '11434') return 'ollama';
  return url.host;
}

/** Null when neither a base URL nor a model is set (drafting is then off on this relay). */
export function readDraftingConfig(env: NodeJS.ProcessEnv = process.env, file?: string): DraftingConfig | null {
  let fromFile: Partial<Record<(typeof KEYS)[number], string | number>> = {};
  if (file) {
    try {
      fromFile = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof fromFile;
    } catch (err) {
      throw new DraftingConfigError(`Cannot read the drafting settings in ${file}: ${(err as Error).message.replace(/[A-Za-z0-9_\-]{24,}/g, '…')}`);
    }
  }
  const get = (key: (typeof KEYS)[number]) => {
    const v = env[key] ?? fromFile[key];
    if (typeof v === 'number') return String(v);
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
  };
  const baseUrl = get('BAYLINE_AI_BASE_URL');
  const model = get('BAYLINE_AI_MODEL');
  if (!baseUrl && !model) return null;
  if (!baseUrl) throw new DraftingConfigError('BAYLINE_AI_MODEL is set but BAYLINE_AI_BASE_URL is not: give the address of an OpenAI-compatible server, such as https://api.openai.com/v1 or http://127.0.0.1:11434/v1 for Ollama.');
  if (!model) throw new DraftingConfigError('BAYLINE_AI_BASE_URL is set but BAYLINE_AI_MODEL is not: give the model\'s name as the server knows it (gpt-4o-mini, llama3.1:8b…).');
  if (!/^https?:\/\/[^\s/]+/.test(baseUrl)) throw new DraftingConfigError(`BAYLINE_AI_BASE_URL must be a web address such as https://api.openai.com/v1, not "${baseUrl.slice(0, 60)}".`);
  const apiKey = get('BAYLINE_AI_API_KEY');
  const provider = get('BAYLINE_AI_PROVIDER') ?? providerOf(baseUrl);
  const apiText = (get('BAYLINE_AI_API') ?? (provider === 'anthropic' ? 'anthropic' : 'openai')).toLowerCase();
  if (apiText !== 'openai' && apiText !== 'anthropic') throw new DraftingConfigError(`BAYLINE_AI_API must be "openai" (any OpenAI-compatible server) or "anthropic" (Anthropic's Messages API), not "${apiText.slice(0, 40)}".`);
  const api = apiText;
  if (!apiKey && api === 'anthropic') throw new DraftingConfigError('BAYLINE_AI_API_KEY is needed for Anthropic.');
  const structuredText = (get('BAYLINE_AI_STRUCTURED') ?? 'on').toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(structuredText)) throw new DraftingConfigError(`BAYLINE_AI_STRUCTURED must be "on" or "off", not "${structuredText.slice(0, 40)}".`);
  if (!apiKey && (provider === 'openai' || provider === 'azure-openai')) {
    throw new DraftingConfigError(`BAYLINE_AI_API_KEY is needed for ${provider === 'openai' ? 'OpenAI' : 'Azure OpenAI'}: only a server you run yourself (Ollama, vLLM, llama.cpp) works without a key.`);
  }
  const number = (key: (typeof KEYS)[number], fallback: number, min: number, what: string) => {
    const text = get(key);
    if (text === null) return fallback;
    const n = Number(text.replace(/[_,]/g, ''));
    if (!Number.isInteger(n) || n < min) throw new DraftingConfigError(`${key} must be ${what}, not "${text.slice(0, 40)}".`);
    return n;
  };
  const monthly = number('BAYLINE_AI_MONTHLY_TOKENS', DEFAULT_MONTHLY_TOKENS, 0, 'a whole number of tokens per shop and month (0 for no limit)');
  const timeoutMs = number('BAYLINE_AI_TIMEOUT_MS', 30_000, 100, 'a number of milliseconds, at least 100');
  const firstTokenMs = Math.min(timeoutMs, number('BAYLINE_AI_FIRST_TOKEN_MS', 10_000, 50, 'a number of milliseconds, at least 50'));
  const maxRetries = number('BAYLINE_AI_MAX_RETRIES', 2, 0, 'a whole number of tries (0 for none)');
  return hideDraftingSecrets({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    apiKey: apiKey ?? NO_KEY,
    model,
    provider,
    monthlyTokens: monthly === 0 ? null : monthly,
    timeoutMs,
    firstTokenMs,
    maxRetries,
    api,
    structuredOutput: api === 'openai' && ['on', 'true', '1'].includes(structuredText),
  });
}

/** A config that prints without its key, whatever logs or throws it. */
export function hideDraftingSecrets(config: DraftingConfig): DraftingConfig {
  if (Object.hasOwn(config, 'toJSON')) return config;
  const shown = () => ({ ...config, apiKey: config.apiKey === NO_KEY ? '(none)' : '[redacted]' });
  Object.defineProperty(config, 'toJSON', { value: shown, enumerable: false });
  Object.defineProperty(config, inspect.custom, { value: shown, enumerable: false });
  return config;
}
