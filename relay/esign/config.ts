// The relay's sealing settings (issue 16), from the environment:
//   BAYLINE_ESIGN_KEY (or BAYLINE_ESIGN_KEY_FILE): the 32-byte key (64 hex characters, `openssl
//     rand -hex 32`) that seals each shop's certificate and key in the operator database. When
//     unset, the mail token key (BAYLINE_MAIL_TOKEN_KEY / _FILE) is used: one relay secret.
//   BAYLINE_ESIGN_P12 and BAYLINE_ESIGN_P12_PASSPHRASE (or BAYLINE_ESIGN_P12_PASSPHRASE_FILE): the
//     operator's own PKCS#12 (.p12/.pfx), e.g. from a CA whose root Adobe Reader trusts; it then
//     seals every shop's documents and no shop certificate is made.
// Null when none is set: the relay then cannot seal (signing in the portal stays off).
import fs from 'node:fs';
import { inspect } from 'node:util';
import { parseTokenKey, TokenVault } from '../email/token-vault.js';
import { operatorIdentity, SealingCertificateError, type SigningIdentity } from './certificates.js';

export interface SealConfig {
  /** Seals the shops' own certificates; null when only the operator's certificate is used. */
  vault: TokenVault | null;
  /** The operator's certificate for every shop; null: each shop gets its own. */
  operator: SigningIdentity | null;
}

export class SealConfigError extends Error {}

function readSecret(env: NodeJS.ProcessEnv, name: string): string | null {
  const direct = env[name]?.trim();
  if (direct) return direct;
  const file = env[`${name}_FILE`]?.trim();
  if (!file) return null;
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new SealConfigError(`Cannot read ${name}_FILE (${file}): ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
  }
}

export function readSealConfig(env: NodeJS.ProcessEnv = process.env): SealConfig | null {
  let operator: SigningIdentity | null = null;
  const p12File = env.BAYLINE_ESIGN_P12?.trim();
  if (p12File) {
    let p12: Buffer;
    try {
      p12 = fs.readFileSync(p12File);
    } catch (err) {
      throw new SealConfigError(`Cannot read the sealing certificate BAYLINE_ESIGN_P12 (${p12File}): ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
    }
    const passphrase = readSecret(env, 'BAYLINE_ESIGN_P12_PASSPHRASE') ?? '';
    try {
      operator = operatorIdentity(p12, passphrase, `The sealing certificate ${p12File}`);
    } catch (err) {
      if (err instanceof SealingCertificateError) throw new SealConfigError(err.message);
      throw err;
    }
  } else if (readSecret(env, 'BAYLINE_ESIGN_P12_PASSPHRASE')) {
    throw new SealConfigError('BAYLINE_ESIGN_P12_PASSPHRASE is set but BAYLINE_ESIGN_P12 (the .p12 file) is not.');
  }
  const keyText = readSecret(env, 'BAYLINE_ESIGN_KEY') ?? readSecret(env, 'BAYLINE_MAIL_TOKEN_KEY');
  let vault: TokenVault | null = null;
  if (keyText) {
    try {
      vault = new TokenVault(parseTokenKey(keyText));
    } catch (err) {
      throw new SealConfigError(`BAYLINE_ESIGN_KEY: ${(err as Error).message.replace('mail token key', 'sealing key')}`);
    }
  }
  if (!vault && !operator) return null;
  const config: SealConfig = { vault, operator };
  Object.defineProperty(config, inspect.custom, { value: () => `[seal config: ${operator ? `operator certificate ${operator.subject}` : 'a certificate per shop'}]`, enumerable: false });
  return config;
}
