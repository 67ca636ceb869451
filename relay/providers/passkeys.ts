// Passkeys for work-provider people (issue 19), with @simplewebauthn/server: a signed-in person
// adds one (from the Account page, right after the invitation's password and code or any time
// later), signs in with it alone (a passkey with user verification stands for both factors), sees
// and removes theirs. The relying party is the relay's public address (BAYLINE_PUBLIC_URL): its host
// is the RP ID and its origin the only one accepted, so a passkey made here answers nowhere else.
// Challenges are random, kept in provider_challenges for 5 minutes and taken once.
import { randomBytes, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { RelayStorage } from '../storage/types.js';
import type { ProviderUser, WorkProvider } from './records.js';

const CHALLENGE_MS = 5 * 60_000;

/** The WebAuthn library (70-odd modules), loaded the first time a passkey is made or used. */
const webauthn = () => import('@simplewebauthn/server');
export const MAX_PASSKEYS = 10;

export class PasskeyError extends Error {}

export interface RelyingParty {
  id: string;
  origin: string;
}

/** The relying party for a public address; null when the address is an IP (WebAuthn needs a host name). */
export function relyingPartyOf(publicUrl: string): RelyingParty | null {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    return null;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host || isIP(host)) return null;
  if (url.protocol !== 'https:' && host !== 'localhost') return null;
  return { id: host, origin: url.origin };
}

export class ProviderPasskeys {
  constructor(
    private readonly storage: RelayStorage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private expiry(): string {
    return new Date(this.now().getTime() + CHALLENGE_MS).toISOString();
  }

  /** Options for adding a passkey to a signed-in person, with the challenge's id to answer with. */
  async registrationOptions(rp: RelyingParty, user: ProviderUser, provider: WorkProvider) {
    const existing = await this.storage.providers.passkeysOf(user.id);
    if (existing.length >= MAX_PASSKEYS) throw new PasskeyError(`You have ${MAX_PASSKEYS} passkeys already; remove one first.`);
    const options = await (await webauthn()).generateRegistrationOptions({
      rpName: `${provider.name} repair tracking`,
      rpID: rp.id,
      userName: user.email,
      userDisplayName: user.name,
      userID: new TextEncoder().encode(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
      // Discoverable, so the sign-in page needs no e-mail first; verified, so it stands for two factors.
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const challengeId = randomUUID();
    await this.storage.providers.putChallenge({ id: challengeId, userId: user.id, purpose: 'register', challenge: options.challenge, expiresAt: this.expiry() });
    return { challengeId, options };
  }

  /** Checks the browser's answer and keeps the new passkey under `name`. */
  async register(rp: RelyingParty, user: ProviderUser, input: { challengeId: string; name: string; response: RegistrationResponseJSON }): Promise<{ id: string; name: string }> {
    const name = input.name.trim().slice(0, 60) || 'Passkey';
    const taken = await this.storage.providers.takeChallenge(input.challengeId, 'register', this.now().toISOString());
    if (!taken || taken.userId !== user.id) throw new PasskeyError('That passkey request ran out (5 minutes) or was used; try again.');
    let verified;
    try {
      verified = await (await webauthn()).verifyRegistrationResponse({ response: input.response, expectedChallenge: taken.challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: true });
    } catch (err) {
      throw new PasskeyError(`The passkey was not accepted: ${(err as Error).message}`);
    }
    if (!verified.verified) throw new PasskeyError('The passkey was not accepted.');
    const { credential } = verified.registrationInfo;
    if (await this.storage.providers.findPasskey(credential.id)) throw new PasskeyError('That passkey is registered already.');
    await this.storage.providers.addPasskey({
      id: credential.id,
      userId: user.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
      name,
      now: this.now().toISOString(),
    });
    return { id: credential.id, name };
  }

  /** Options for signing in with any passkey of this relay (the browser offers the person's own). */
  async authenticationOptions(rp: RelyingParty) {
    const options = await (await webauthn()).generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required', challenge: randomBytes(32) });
    const challengeId = randomUUID();
    await this.storage.providers.putChallenge({ id: challengeId, userId: null, purpose: 'sign-in', challenge: options.challenge, expiresAt: this.expiry() });
    return { challengeId, options };
  }

  /** The person whose passkey answered the challenge, or an error saying why not. */
  async authenticate(rp: RelyingParty, input: { challengeId: string; response: AuthenticationResponseJSON }): Promise<ProviderUser> {
    const taken = await this.storage.providers.takeChallenge(input.challengeId, 'sign-in', this.now().toISOString());
    if (!taken) throw new PasskeyError('That sign-in ran out (5 minutes) or was used; try again.');
    const passkey = typeof input.response?.id === 'string' ? await this.storage.providers.findPasskey(input.response.id) : null;
    if (!passkey) throw new PasskeyError('This passkey is not known here (it may have been removed). Sign in with your password and code.');
    let verified;
    try {
      verified = await (await webauthn()).verifyAuthenticationResponse({
        response: input.response,
        expectedChallenge: taken.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        credential: { id: passkey.id, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')), counter: passkey.counter, transports: passkey.transports },
        requireUserVerification: true,
      });
    } catch (err) {
      throw new PasskeyError(`The passkey was not accepted: ${(err as Error).message}`);
    }
    if (!verified.verified) throw new PasskeyError('The passkey was not accepted.');
    const user = await this.storage.providers.findUser(passkey.userId);
    if (!user || user.removedAt) throw new PasskeyError('This account was removed.');
    if (user.lockedAt) throw new PasskeyError('This account is locked. Ask your administrator to unlock it.');
    await this.storage.providers.usePasskey(passkey.id, verified.authenticationInfo.newCounter, this.now().toISOString());
    return user;
  }
}
