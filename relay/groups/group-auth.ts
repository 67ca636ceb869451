// Signing in as a group admin (issue 20): the person types their address on /g/<slug>/admin/sign-in;
// when the operator named that address an admin of that group, a single-use link (30 minutes) is
// mailed to it (or, with no SMTP server set, written to the relay's log for the operator); opening
// the link and pressing "Sign in" starts a session (random id, only its SHA-256 kept, 8 hours idle
// at most) bound to that one group. The token helpers, mail settings and address check are the
// work-provider sign-in's (relay/providers/auth.ts).
import nodemailer from 'nodemailer';
import { normaliseEmail, type ProviderMailConfig, randomToken, sha256 } from '../providers/auth.js';
import { RateLimiter } from '../rate-limit.js';
import type { RelayStorage } from '../storage/types.js';
import type { GroupAdminPerson, GroupRecord, GroupSession } from './group-records.js';

export const LINK_MINUTES = 30;
const SESSION_MS = 8 * 3600_000;

export interface GroupAuthOptions {
  mail?: ProviderMailConfig | null;
  log?: { info(obj: unknown, msg?: string): void };
  now?: () => Date;
}

export class GroupAuth {
  /** Link requests per address asked for and per network address (in memory, per process). */
  private readonly perEmail = new RateLimiter(5, 15 * 60_000);
  private readonly perIp = new RateLimiter(30, 15 * 60_000);

  constructor(
    private readonly storage: RelayStorage,
    private readonly options: GroupAuthOptions = {},
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /**
   * Mails a sign-in link when `email` is an admin of the group. The answer is the same whatever
   * the address (the page never says who is an admin); 'too-many' when asked too often.
   */
  async requestLink(group: GroupRecord, email: string, ip: string, publicUrl: string): Promise<{ outcome: 'sent' | 'too-many' | 'bad-address'; link?: string }> {
    const address = normaliseEmail(email);
    if (!address) return { outcome: 'bad-address' };
    if (!this.perIp.take(ip) || !this.perEmail.take(`${group.slug} ${address}`)) return { outcome: 'too-many' };
    const person = await this.storage.groups.adminPerson(group.slug, address);
    if (!person || person.removedAt) return { outcome: 'sent' };
    const token = randomToken();
    const now = this.now();
    await this.storage.groups.createSignInLink({ tokenHash: sha256(token), groupSlug: group.slug, email: address, now: now.toISOString(), expiresAt: new Date(now.getTime() + LINK_MINUTES * 60_000).toISOString() });
    const link = `${publicUrl.replace(/\/$/, '')}/g/${group.slug}/admin/link/${token}`;
    const mail = this.options.mail;
    if (!mail) {
      this.options.log?.info({ group: group.slug, email: address, signInLink: link }, 'Group admin sign-in link (no BAYLINE_PROVIDER_SMTP_URL: pass this link on)');
      return { outcome: 'sent', link };
    }
    const transport = nodemailer.createTransport(mail.smtpUrl);
    try {
      await transport.sendMail({
        from: mail.from,
        to: address,
        subject: `Sign in to ${group.name} reports`,
        text:
          `Hello ${person.name},\n\nHere is your link to the reports of ${group.name}, every location side by side.\n` +
          `It works once, for ${LINK_MINUTES} minutes:\n${link}\n\nIf you did not ask for it, ignore this mail: nobody can sign in without the link.\n`,
      });
    } finally {
      transport.close();
    }
    return { outcome: 'sent', link };
  }

  /** Uses a link (once) for the group it was made for and starts a new session. */
  async useLink(group: GroupRecord, token: string): Promise<{ id: string; csrfToken: string } | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const now = this.now();
    const used = await this.storage.groups.useSignInLink(sha256(token), now.toISOString());
    if (!used || used.groupSlug !== group.slug) return null;
    const person = await this.storage.groups.adminPerson(group.slug, used.email);
    if (!person || person.removedAt) return null;
    const id = randomToken();
    const csrfToken = randomToken();
    await this.storage.groups.createSession({ idHash: sha256(id), groupSlug: group.slug, email: used.email, csrfToken, now: now.toISOString(), expiresAt: new Date(now.getTime() + SESSION_MS).toISOString() });
    return { id, csrfToken };
  }

  /** The session behind a cookie, only for the group it was started for, while its person is still an admin. */
  async session(group: GroupRecord, id: string | undefined): Promise<{ session: GroupSession; person: GroupAdminPerson } | null> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const session = await this.storage.groups.findSession(sha256(id));
    if (!session || session.revokedAt || session.expiresAt <= this.now().toISOString() || session.groupSlug !== group.slug) return null;
    const person = await this.storage.groups.adminPerson(group.slug, session.email);
    if (!person || person.removedAt) return null;
    return { session, person };
  }

  async endSession(id: string): Promise<void> {
    await this.storage.groups.revokeSession(sha256(id), this.now().toISOString());
  }
}
