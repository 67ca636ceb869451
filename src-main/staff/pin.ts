// Staff PINs: a quick switch on a shared PC, stored as salted scrypt hashes, never in clear.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

export function hashPin(pin: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(pin, salt, 32, { N: 1 << 14 });
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function pinMatches(pin: string, stored: string | null): boolean {
  if (!stored) return false;
  const [kind, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(pin, Buffer.from(salt, 'base64'), expected.length, { N: 1 << 14 });
  return timingSafeEqual(expected, actual);
}
