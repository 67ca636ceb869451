// Test support for the work-provider pages: a provider with an invited person (the invitation read
// from a real SMTP server on 127.0.0.1), and a small cookie-keeping HTTP client that fills the
// pages' forms the way a browser would (hidden CSRF field included).
import { randomUUID } from 'node:crypto';
import { generate } from 'otplib';
import type { LocalSmtp } from '../email/imap/local-servers.js';
import type { RunningRelay } from '../server.js';
import type { RelayStorage } from '../storage/types.js';
import type { ProviderRole, WorkProvider } from './records.js';

export const PASSWORD = 'correct horse battery staple';

/** Adds a provider (as the operator's CLI does). */
export async function addProvider(storage: RelayStorage, slug: string, name: string): Promise<WorkProvider> {
  return storage.providers.createProvider({ id: randomUUID(), slug, name, now: new Date().toISOString() });
}

/** Invites someone through the relay and reads the link back out of the mail the SMTP server got. */
export async function inviteByMail(relay: RunningRelay, smtp: LocalSmtp, provider: WorkProvider, email: string, name: string, role: ProviderRole = 'admin'): Promise<string> {
  const before = smtp.received.length;
  const sent = await relay.providers.auth.invite({ provider, email, name, role, invitedBy: 'the operator', publicUrl: relay.url });
  if (!sent.mailed) throw new Error('The invitation was not mailed');
  return linkFromMail(smtp, email, before);
}

export function linkFromMail(smtp: LocalSmtp, email: string, after = 0): string {
  const mail = smtp.received.slice(after).find((m) => m.to.includes(email));
  if (!mail) throw new Error(`No mail to ${email}`);
  const body = mail.raw.replace(/=\r?\n/g, '');
  const link = /(https?:\/\/[^\s"<>]+\/provider\/invite\/[A-Za-z0-9_-]+)/.exec(body)?.[1];
  if (!link) throw new Error('No invitation link in the mail');
  return link;
}

/**
 * The relay's sign-in clock in a test (RelayOptions.providerClock): each code is good once, so a
 * test moves it on by one 30-second step before each new code instead of waiting.
 */
export class CodeClock {
  offsetMs = 0;
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);

  /** The code of the current step (already used if a sign-in just happened). */
  current(secret: string): Promise<string> {
    return generate({ secret, epoch: Math.floor(this.now().getTime() / 1000) });
  }

  /** Moves to the next step and answers its code. */
  next(secret: string): Promise<string> {
    this.offsetMs += 30_000;
    return this.current(secret);
  }
}

export interface Answer {
  status: number;
  location: string | null;
  text: string;
  setCookie: string[];
}

/** A browser without a browser: keeps cookies, follows nothing, fills forms with their CSRF field. */
export class FormClient {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly base: string,
    readonly clock: CodeClock,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return { ...(cookie ? { cookie } : {}), ...extra };
  }

  private async answer(res: Response): Promise<Answer> {
    const setCookie = res.headers.getSetCookie();
    for (const c of setCookie) {
      const [pair, ...attrs] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (value === '' || attrs.some((a) => /max-age=0/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text(), setCookie };
  }

  async get(path: string): Promise<Answer> {
    return this.answer(await fetch(new URL(path, this.base), { headers: this.headers(), redirect: 'manual' }));
  }

  async post(path: string, form: Record<string, string>): Promise<Answer> {
    return this.answer(
      await fetch(new URL(path, this.base), {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
        body: new URLSearchParams(form).toString(),
        redirect: 'manual',
      }),
    );
  }

  /** GETs `pagePath`, then POSTs `form` to `action` with the page's CSRF field. */
  async submit(pagePath: string, action: string, form: Record<string, string>): Promise<Answer> {
    const page = await this.get(pagePath);
    return this.post(action, { _csrf: csrfOf(page.text), ...form });
  }

  /** Follows the invitation: password, then the code set-up. Answers the TOTP secret. */
  async acceptInvitation(link: string, password = PASSWORD): Promise<string> {
    const path = new URL(link).pathname;
    const set = await this.submit(path, path, { password, again: password });
    if (set.status !== 303 || set.location !== '/provider/setup-code') throw new Error(`Invitation refused (${set.status}): ${set.text.slice(0, 300)}`);
    const page = await this.get('/provider/setup-code');
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page.text)?.[1];
    if (!secret) throw new Error('No TOTP secret on the set-up page');
    const done = await this.post('/provider/setup-code', { _csrf: csrfOf(page.text), code: await this.clock.next(secret) });
    if (done.status !== 303 || done.location !== '/provider') throw new Error(`Code set-up refused (${done.status})`);
    return secret;
  }

  async signIn(email: string, secret: string, password = PASSWORD): Promise<Answer> {
    const first = await this.submit('/provider/sign-in', '/provider/sign-in', { email, password });
    if (first.status !== 303) return first;
    return this.submit('/provider/sign-in/code', '/provider/sign-in/code', { code: await this.clock.next(secret) });
  }
}

export function csrfOf(page: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error('No CSRF field on the page');
  return token;
}
