// Pairing a desk with the relay, and recognising it afterwards. The operator makes a one-time
// code (`npm run relay -- pair`); the desk trades it once for a device id and a secret; every
// later request carries `Authorization: Bearer <deviceId>.<secret>`. The relay keeps only the
// SHA-256 of codes and secrets, so a copy of its database lets nobody in.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { parseBearer } from '../src-shared/sync/protocol.js';
import { type DeviceRecord, type RelayStorage, RelayStorageError, type WorkspaceRecord } from './storage/types.js';

/** No I, L, O, 0 or 1: a code is read off one screen and typed on another. */
export const PAIRING_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const PAIRING_CODE_LENGTH = 8;
export const PAIRING_CODE_TTL_MS = 15 * 60 * 1000;
/** As shown to a person: `XXXX-XXXX`. */
export const PAIRING_CODE_PATTERN = new RegExp(`^[${PAIRING_ALPHABET}]{4}-[${PAIRING_ALPHABET}]{4}$`);

/**
 * A fresh code, shown as `XXXX-XXXX`. 31^8 ≈ 8.5 × 10^11 codes; with a 15-minute life, single
 * use and the pairing route's per-address rate limit, guessing one is out of reach.
 * randomInt draws without modulo bias.
 */
export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What a person typed, as the code it names: upper case, without spaces or dashes. */
export function normalizePairingCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]+/g, '');
}

/**
 * SHA-256, hex. Enough for what the relay hashes: device secrets are 32 random bytes and pairing
 * codes live 15 minutes and are used once, so there is nothing a slow password hash (scrypt,
 * argon2) would protect against, and every sync connection can be checked cheaply.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Makes a pairing code for a workspace; only its hash is stored. The code itself is returned once, here. */
export async function issuePairingCode(
  storage: RelayStorage,
  workspaceId: string,
  now = new Date(),
): Promise<{ code: string; expiresAt: string }> {
  const expiresAt = new Date(now.getTime() + PAIRING_CODE_TTL_MS).toISOString();
  for (let attempt = 1; ; attempt++) {
    const code = newPairingCode();
    try {
      await storage.createPairingCode({ workspaceId, codeHash: hashSecret(normalizePairingCode(code)), expiresAt });
      return { code, expiresAt };
    } catch (err) {
      // 'invalid' here means the same code is live already (about one chance in 10^11): draw again.
      if (!(err instanceof RelayStorageError && err.code === 'invalid') || attempt >= 3) throw err;
    }
  }
}

export interface Paired {
  deviceId: string;
  /** Shown to the desk once; the relay keeps only its hash. */
  secret: string;
  workspace: { id: string; slug: string; name: string };
}

/** Trades a pairing code for a device credential. Unknown, used and expired codes all fail alike (`code-invalid`). */
export async function redeem(
  storage: RelayStorage,
  input: { code: string; deviceName: string; now?: Date },
): Promise<Paired> {
  const code = normalizePairingCode(input.code);
  if (code.length !== PAIRING_CODE_LENGTH || [...code].some((c) => !PAIRING_ALPHABET.includes(c))) {
    throw new RelayStorageError('code-invalid', 'That is not a pairing code: it has 8 letters and digits, like ABCD-EF23.');
  }
  const deviceId = randomBytes(16).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const device = await storage.redeemPairingCode({
    codeHash: hashSecret(code),
    deviceId,
    deviceName: input.deviceName,
    secretHash: hashSecret(secret),
    now: (input.now ?? new Date()).toISOString(),
  });
  const workspace = await storage.findWorkspace(device.workspaceId);
  if (!workspace) throw new RelayStorageError('not-found', `The workspace of this pairing code no longer exists.`);
  return { deviceId, secret, workspace: { id: workspace.id, slug: workspace.slug, name: workspace.name } };
}

export type Authenticated = { device: DeviceRecord; workspace: WorkspaceRecord };

/**
 * Recognises a desk by its `Authorization` header. The workspace always comes from the device's
 * own record, never from the request, so a credential can only ever reach its own workspace.
 * A revoked device is told so only after its secret checked out, so the answer gives a guesser
 * nothing.
 */
export async function authenticateDevice(
  storage: RelayStorage,
  bearerHeader: string | undefined,
): Promise<Authenticated | { error: 'unauthorized' | 'revoked' }> {
  const credential = parseBearer(bearerHeader);
  if (!credential) return { error: 'unauthorized' };
  const found = await storage.findDevice(credential.deviceId);
  // Hash even for an unknown device, so its absence takes no less time than a wrong secret.
  const presented = Buffer.from(hashSecret(credential.secret), 'hex');
  const expected = Buffer.from(found?.secretHash ?? '0'.repeat(64), 'hex');
  const matches = expected.length === presented.length && timingSafeEqual(expected, presented);
  if (!found || !matches) return { error: 'unauthorized' };
  if (found.revokedAt) return { error: 'revoked' };
  const workspace = await storage.findWorkspace(found.workspaceId);
  if (!workspace || workspace.id !== found.workspaceId) return { error: 'unauthorized' };
  const { secretHash: _secretHash, ...device } = found;
  return { device, workspace };
}
