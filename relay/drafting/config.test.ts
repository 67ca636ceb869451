// The operator's model settings: read from the environment or a JSON file, refused with a sentence
// that says what to set, and never printed with the key.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MONTHLY_TOKENS, readDraftingConfig } from './config.js';

const KEY = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';

describe('the relay\'s drafting settings', () => {
  it('nothing set: no drafting on this relay', () => {
    expect(readDraftingConfig({})).toBeNull();
  });

  it('OpenAI by base URL and model, with the defaults: 2,000,000 tokens a month, 30 s a draft, 10 s to the first word', () => {
    const config = readDraftingConfig({ BAYLINE_AI_BASE_URL: 'https://api.openai.com/v1/', BAYLINE_AI_MODEL: 'gpt-4o-mini', BAYLINE_AI_API_KEY: KEY })!;
    expect({ ...config }).toEqual({
      baseUrl: 'https://api.openai.com/v1',
      apiKey: KEY,
      model: 'gpt-4o-mini',
      provider: 'openai',
      monthlyTokens: DEFAULT_MONTHLY_TOKENS,
      timeoutMs: 30_000,
      firstTokenMs: 10_000,
      maxRetries: 2,
      api: 'openai',
      structuredOutput: true,
    });
    expect(DEFAULT_MONTHLY_TOKENS).toBe(2_000_000);
  });

  it('a local server needs no key; Azure and OpenAI do; the provider is named from the address', () => {
    const ollama = readDraftingConfig({ BAYLINE_AI_BASE_URL: 'http://127.0.0.1:11434/v1', BAYLINE_AI_MODEL: 'llama3.1:8b' })!;
    expect(ollama.provider).toBe('ollama');
    expect(ollama.apiKey).not.toBe('');
    expect(readDraftingConfig({ BAYLINE_AI_BASE_URL: 'http://10.0.0.5:8000/v1', BAYLINE_AI_MODEL: 'qwen2.5-7b' })!.provider).toBe('10.0.0.5:8000');
    expect(readDraftingConfig({ BAYLINE_AI_BASE_URL: 'http://10.0.0.5:8000/v1', BAYLINE_AI_MODEL: 'm', BAYLINE_AI_PROVIDER: 'vllm' })!.provider).toBe('vllm');
    expect(readDraftingConfig({ BAYLINE_AI_BASE_URL: 'https://lakeside.openai.azure.com/openai/v1', BAYLINE_AI_MODEL: 'gpt-4o-mini', BAYLINE_AI_API_KEY: KEY })!.provider).toBe('azure-openai');
    expect(() => readDraftingConfig({ BAYLINE_AI_BASE_URL: 'https://lakeside.openai.azure.com/openai/v1', BAYLINE_AI_MODEL: 'gpt-4o-mini' })).toThrow(/BAYLINE_AI_API_KEY is needed for Azure OpenAI/);
    expect(() => readDraftingConfig({ BAYLINE_AI_BASE_URL: 'https://api.openai.com/v1', BAYLINE_AI_MODEL: 'gpt-4o-mini' })).toThrow(/BAYLINE_AI_API_KEY is needed for OpenAI/);
  });

  it('half or malformed settings are refused with what to set', () => {
    expect(() => readDraftingConfig({ BAYLINE_AI_MODEL: 'gpt-4o-mini' })).toThrow(/BAYLINE_AI_BASE_URL is not/);
    expect(() => readDraftingConfig({ BAYLINE_AI_BASE_URL: 'http://127.0.0.1:11434/v1' })).toThrow(/BAYLINE_AI_MODEL is not/);
    expect(() => readDraftingConfig({ BAYLINE_AI_BASE_URL: 'localhost:11434', BAYLINE_AI_MODEL: 'm' })).toThrow(/must be a web address/);
    const local = { BAYLINE_AI_BASE_URL: 'http://127.0.0.1:11434/v1', BAYLINE_AI_MODEL: 'm' };
    expect(() => readDraftingConfig({ ...local, BAYLINE_AI_MONTHLY_TOKENS: 'lots' })).toThrow(/BAYLINE_AI_MONTHLY_TOKENS must be a whole number of tokens/);
    expect(() => readDraftingConfig({ ...local, BAYLINE_AI_TIMEOUT_MS: '5' })).toThrow(/BAYLINE_AI_TIMEOUT_MS must be a number of milliseconds, at least 100/);
    expect(readDraftingConfig({ ...local, BAYLINE_AI_MONTHLY_TOKENS: '500_000' })!.monthlyTokens).toBe(500_000);
    expect(readDraftingConfig({ ...local, BAYLINE_AI_MONTHLY_TOKENS: '0' })!.monthlyTokens).toBeNull();
    // The first word cannot be given longer than the whole draft.
    expect(readDraftingConfig({ ...local, BAYLINE_AI_TIMEOUT_MS: '4000' })!.firstTokenMs).toBe(4_000);
  });

  it('reads a JSON file, the environment winning, and prints without the key', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-ai-config-'));
    const file = path.join(dir, 'drafting.json');
    fs.writeFileSync(file, JSON.stringify({ BAYLINE_AI_BASE_URL: 'https://api.openai.com/v1', BAYLINE_AI_MODEL: 'gpt-4o', BAYLINE_AI_API_KEY: KEY, BAYLINE_AI_MONTHLY_TOKENS: 750000 }));
    const config = readDraftingConfig({ BAYLINE_AI_MODEL: 'gpt-4o-mini' }, file)!;
    expect(config).toMatchObject({ model: 'gpt-4o-mini', apiKey: KEY, monthlyTokens: 750_000 });
    for (const printed of [JSON.stringify(config), inspect(config), JSON.stringify({ config })]) {
      expect(printed).not.toContain(KEY);
      expect(printed).toContain('[redacted]');
      expect(printed).toContain('gpt-4o-mini');
    }
    expect(() => readDraftingConfig({}, path.join(dir, 'missing.json'))).toThrow(/Cannot read the drafting settings/);
  });
});
