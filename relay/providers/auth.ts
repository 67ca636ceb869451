// Sign-in for work-provider people (issue 19): invitations by e-mail link (single use, 72 hours),
// a password (argon2id) with a TOTP second factor, sessions (random id, only its SHA-256 stored,
// a new id at every step up: no fixation), CSRF tokens, per-address rate limits and a lock after
// 20 wrong passwords in a row.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import nodemailer from 'nodemailer';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import type { TokenVault } from '../email/token-vault.js';
import { RateLimiter } from '../rate-limit.js';
import type { RelayStorage } from '../storage/types.js';
import type { ProviderRole, ProviderSession, ProviderUser, WorkProvider } from './records.js';

export const LOCK_AFTER_WRONG_PASSWORDS = 20;
export const INVITATION_HOURS = 72;
const SESSION_IDLE_MS = 8 * 3600_000;
const SETUP_MS = 30 * 60_000;
/** argon2id, OWASP's smaller-memory setting (19 MiB, 2 passes). */
const ARGON = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
export const randomToken = (): string => randomBytes(32).toString('base64url');

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Where invitation mail goes out: an SMTP URL (smtp://user:pass@host:port) from the operator, else the link is logged. */
export interface ProviderMailConfig {
  smtpUrl: string;
  from: string;
}

export function readProviderMailConfig(env: NodeJS.ProcessEnv): ProviderMailConfig | null {
  const smtpUrl = env.BAYLINE_PROVIDER_SMTP_URL?.trim();
  if (!smtpUrl) return null;
  return { smtpUrl, from: env.BAYLINE_PROVIDER_MAIL_FROM?.trim() || 'Bayline <no-reply@bayline.invalid>' };
}

export type PasswordOutcome =
  | { outcome: 'ok'; user: ProviderUser }
  | { outcome: 'wrong' }
  | { outcome: 'locked' }
  | { outcome: 'too-many' };

export type CodeOutcome = { outcome: 'ok' } | { outcome: 'wrong' } | { outcome: 'locked' };

export class ProviderAuth {
  /** Password and code tries per address (in memory, per process), on top of the per-account lock. */
  private readonly perAddress = new RateLimiter(100, 15 * 60_000);

  constructor(
    private readonly storage: RelayStorage,
    private readonly options: {
      mail?: ProviderMailConfig | null;
      log?: { info(obj: unknown, msg?: string): void };
      now?: () => Date;
      /** Seals TOTP secrets at rest (the webhook secrets' vault); without it they are kept as they are. */
      vault?: TokenVault | null;
    } = {},
  ) {}

  // --- the TOTP secret, sealed at rest ---------------------------------------------------------

  /** The form kept in the database: sealed with the relay's key, bound to the person's id. */
  private sealSecret(userId: string, secret: string): string {
    return this.options.vault ? this.options.vault.seal(secret, `provider-totp:${userId}`) : secret;
  }

  /**
   * The person's TOTP secret in clear. A secret kept unsealed (before the relay had a key, or
   * before sealing existed) still works, and is sealed now when the relay has a key.
   */
  async totpSecretOf(user: ProviderUser): Promise<string | null> {
    const stored = user.totpSecret;
    if (!stored) return null;
    if (stored.startsWith(`${SEALED_PREFIX}.`)) {
      if (!this.options.vault) throw new ProviderAuthError('This relay has no key to open sign-in code secrets (set BAYLINE_WEBHOOK_KEY or BAYLINE_MAIL_TOKEN_KEY as before).');
      return this.options.vault.open(stored, `provider-totp:${user.id}`);
    }
    if (this.options.vault) await this.storage.providers.replaceTotpSecret(user.id, stored, this.sealSecret(user.id, stored));
    return stored;
  }

  /** The code app is set up: the secret shown is confirmed (kept sealed). */
  async confirmTotp(user: ProviderUser): Promise<void> {
    const secret = await this.totpSecretOf(user);
    await this.storage.providers.setTotp(user.id, secret === null ? null : this.sealSecret(user.id, secret), this.now().toISOString());
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  // --- invitations ---------------------------------------------------------------------------

  /**
   * Makes a single-use invitation link (72 hours) and sends it by mail when the operator set an
   * SMTP server; otherwise it is written to the relay's log for the operator to pass on. Answers the link.
   */
  async invite(input: { provider: WorkProvider; email: string; name: string; role: ProviderRole; invitedBy: string; publicUrl: string }): Promise<{ link: string; mailed: boolean }> {
    const email = normaliseEmail(input.email);
    if (!email) throw new ProviderAuthError(`"${input.email}" is not an e-mail address.`);
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) throw new ProviderAuthError('Give the person\'s name (1 to 100 characters).');
    const existing = await this.storage.providers.findUserByEmail(email);
    if (existing && !existing.removedAt) throw new ProviderAuthError(`${email} already has an account.`);
    if (existing) throw new ProviderAuthError(`${email} was removed earlier; the operator must restore it.`);
    const token = randomToken();
    const now = this.now();
    await this.storage.providers.createInvitation({
      tokenHash: sha256(token),
      providerId: input.provider.id,
      email,
      name,
      role: input.role,
      invitedBy: input.invitedBy,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + INVITATION_HOURS * 3600_000).toISOString(),
    });
    const link = `${input.publicUrl.replace(/\/$/, '')}/provider/invite/${token}`;
    const mail = this.options.mail;
    if (!mail) {
      this.options.log?.info({ provider: input.provider.slug, invitation: link }, 'Work-provider invitation (no BAYLINE_PROVIDER_SMTP_URL: pass this link on)');
      return { link, mailed: false };
    }
    const transport = nodemailer.createTransport(mail.smtpUrl);
    try {
      await transport.sendMail({
        from: mail.from,
        to: email,
        subject: `Your ${input.provider.name} repair-tracking account`,
        text:
          `Hello ${name},\n\n${input.invitedBy} invited you to follow your repairs with the shops that work for ${input.provider.name}.\n\n` +
          `Set your password and sign-in code here (the link works once, for ${INVITATION_HOURS} hours):\n${link}\n\nIf you did not expect this, ignore this mail.\n`,
      });
    } finally {
      transport.close();
    }
    return { link, mailed: true };
  }

  /** The invitation behind a link, when it can still be used. */
  async openInvitation(token: string) {
    const invitation = await this.storage.providers.findInvitation(sha256(token));
    if (!invitation || invitation.usedAt || invitation.expiresAt <= this.now().toISOString()) return null;
    return invitation;
  }

  /** Uses the link (once), creates the account with its password and a TOTP secret still to confirm. */
  async acceptInvitation(token: string, password: string): Promise<ProviderUser | null> {
    checkPassword(password);
    const now = this.now().toISOString();
    const invitation = await this.storage.providers.useInvitation(sha256(token), now);
    if (!invitation) return null;
    const user = await this.storage.providers.createUser({ id: randomUUID(), providerId: invitation.providerId, email: invitation.email, name: invitation.name, role: invitation.role, now });
    await this.storage.providers.attachInvitationUser(invitation.tokenHash, user.id);
    await this.storage.providers.setPassword(user.id, await argonHash(password, ARGON));
    await this.storage.providers.setTotp(user.id, this.sealSecret(user.id, generateSecret()), null);
    return (await this.storage.providers.findUser(user.id))!;
  }

  async totpUri(user: ProviderUser, provider: WorkProvider): Promise<string> {
    return generateURI({ issuer: `Bayline (${provider.name})`, label: user.email, secret: (await this.totpSecretOf(user)) ?? '' });
  }

  // --- signing in ----------------------------------------------------------------------------

  async checkPassword(email: string, password: string, address: string): Promise<PasswordOutcome> {
    if (!this.perAddress.take(address)) return { outcome: 'too-many' };
    const user = await this.storage.providers.findUserByEmail(normaliseEmail(email) ?? '');
    if (!user || user.removedAt || !user.passwordHash) {
      // The same work as for a real account, so the answer's timing does not tell who has one.
      await argonVerify(await dummy(), password).catch(() => false);
      return { outcome: 'wrong' };
    }
    if (user.lockedAt) return { outcome: 'locked' };
    if (await argonVerify(user.passwordHash, password).catch(() => false)) {
      await this.storage.providers.clearFailedLogins(user.id);
      return { outcome: 'ok', user };
    }
    const { locked } = await this.storage.providers.recordFailedLogin(user.id, LOCK_AFTER_WRONG_PASSWORDS, this.now().toISOString());
    return locked ? { outcome: 'locked' } : { outcome: 'wrong' };
  }

  /** Checks a 6-digit code against the user's secret; a code is good once (its time step is recorded). */
  async checkCode(user: ProviderUser, code: string, address: string): Promise<CodeOutcome> {
    if (!this.perAddress.take(address)) return { outcome: 'wrong' };
    if (user.lockedAt) return { outcome: 'locked' };
    const token = code.replace(/\s+/g, '');
    const secret = await this.totpSecretOf(user);
    if (!secret || !/^\d{6}$/.test(token)) return { outcome: 'wrong' };
    const result = await verifyTotp({ secret, token, epoch: Math.floor(this.now().getTime() / 1000), epochTolerance: 30 });
    if (result.valid && 'timeStep' in result && (await this.storage.providers.useTotpStep(user.id, result.timeStep))) return { outcome: 'ok' };
    const { locked } = await this.storage.providers.recordFailedLogin(user.id, LOCK_AFTER_WRONG_PASSWORDS, this.now().toISOString());
    return locked ? { outcome: 'locked' } : { outcome: 'wrong' };
  }

  /** One more sign-in try from this address (passkeys count with passwords and codes); false past the limit. */
  allowTry(address: string): boolean {
    return this.perAddress.take(address);
  }

  // --- sessions ------------------------------------------------------------------------------

  /** A brand-new session (never one the browser brought along): its id is returned once, for the cookie. */
  async startSession(userId: string, step: ProviderSession['step'], request: { ip: string; userAgent: string | null }): Promise<{ id: string; csrfToken: string }> {
    const id = randomToken();
    const csrfToken = randomToken();
    const now = this.now();
    await this.storage.providers.createSession({
      idHash: sha256(id),
      userId,
      step,
      csrfToken,
      now: now.toISOString(),
      expiresAt: new Date(now.getTime() + (step === 'signed-in' ? SESSION_IDLE_MS : SETUP_MS)).toISOString(),
      ip: request.ip,
      userAgent: request.userAgent?.slice(0, 300) ?? null,
    });
    return { id, csrfToken };
  }

  /** The session behind a cookie value, with its user and provider, when it is still good. */
  async session(id: string | undefined): Promise<{ session: ProviderSession; user: ProviderUser; provider: WorkProvider } | null> {
    if (!id || id.length > 100) return null;
    const session = await this.storage.providers.findSession(sha256(id));
    const now = this.now();
    if (!session || session.revokedAt || session.expiresAt <= now.toISOString()) return null;
    const user = await this.storage.providers.findUser(session.userId);
    if (!user || user.removedAt || user.lockedAt) return null;
    const provider = await this.storage.providers.findProvider(user.providerId);
    if (!provider) return null;
    if (session.step === 'signed-in' && now.getTime() - Date.parse(session.lastSeenAt) > 60_000) {
      await this.storage.providers.touchSession(session.idHash, now.toISOString(), new Date(now.getTime() + SESSION_IDLE_MS).toISOString());
    }
    return { session, user, provider };
  }

  async endSession(id: string): Promise<void> {
    await this.storage.providers.revokeSession(sha256(id), this.now().toISOString());
  }

  async endEverySession(userId: string): Promise<number> {
    return this.storage.providers.revokeSessionsOf(userId, this.now().toISOString());
  }
}

export class ProviderAuthError extends Error {}

/** How a sealed value begins (TokenVault's `v1.`); a TOTP secret in clear is base32 and never does. */
const SEALED_PREFIX = 'v1';

export function normaliseEmail(value: string): string | null {
  const email = value.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254 ? email : null;
}

export function checkPassword(password: string): void {
  if (password.length < 12) throw new ProviderAuthError('Choose a password of at least 12 characters.');
  if (password.length > 200) throw new ProviderAuthError('That password is too long (200 characters at most).');
}

// A hash of a random password, verified against when the account does not exist (made once, on first need).
let dummyHash: Promise<string> | null = null;
const dummy = () => (dummyHash ??= argonHash(randomBytes(16).toString('hex'), ARGON));
