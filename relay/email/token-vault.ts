// Sealing the mailboxes' refresh tokens (and the sign-in flow's PKCE verifiers) before they touch
// the operator database: AES-256-GCM from node:crypto, a fresh 12-byte IV per seal, the row's id
// as associated data (a sealed token copied onto another mailbox's row does not open). The key is
// the relay operator's (relay/email/config.ts), never stored beside the data; a database dump
// without it holds nothing usable.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

const PREFIX = 'v1';

export class TokenVaultError extends Error {}

export class TokenVault {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new TokenVaultError('The mail token key must be 32 bytes (64 hex characters or 44 base64 characters).');
    this.#key = Buffer.from(key);
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url, bound to `boundTo` (the mailbox or state id). */
  seal(plain: string, boundTo: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [PREFIX, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** The plain text; throws when the key, the binding or a single byte is not the one it was sealed with. */
  open(sealed: string, boundTo: string): string {
    const [prefix, iv, tag, body] = sealed.split('.');
    if (prefix !== PREFIX || !iv || !tag || body === undefined) throw new TokenVaultError('This sealed token is not in a form this relay knows.');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new TokenVaultError('A sealed mail token does not open with this relay\'s key (another key, or the record was changed).');
    }
  }

  toJSON(): string {
    return '[token vault]';
  }

  [inspect.custom](): string {
    return '[token vault]';
  }
}

/** A key from its configured text: 64 hex characters or base64 (standard or url) of 32 bytes. */
export function parseTokenKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new TokenVaultError('The mail token key must be 32 bytes: 64 hex characters or 44 base64 characters (make one with `openssl rand -hex 32`).');
  return key;
}
