// Test support for the work providers (pages, access layer, REST API, webhooks): fresh operator
// storage on either engine, a small world of shops, grants and repairs written the way a desk's
// push lands, a provider with an invited person (the invitation read from a real SMTP server on
// 127.0.0.1), and a small cookie-keeping HTTP client that fills the pages' forms the way a browser
// would (hidden CSRF field included).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'otplib';
import type { WriteTx } from '../../src-shared/sync/store.js';
import type { LocalSmtp } from '../email/imap/local-servers.js';
import type { RunningRelay } from '../server.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import type { RelayStorage, WorkspaceRecord } from '../storage/types.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
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

// ---- storage on either engine -----------------------------------------------------------------

/** Opens fresh operator storage on SQLite (a temp folder) or PostgreSQL (a database of its own); cleanup() removes them all. */
export class TestEngines {
  private readonly folders: string[] = [];
  private readonly databases: TestDatabase[] = [];

  async open(engine: 'sqlite' | 'postgres'): Promise<RelayStorage> {
    if (engine === 'sqlite') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-providers-'));
      this.folders.push(dir);
      return openSqliteStorage(dir);
    }
    const db = await createTestDatabase();
    this.databases.push(db);
    return openPostgresStorage(db.url);
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.databases.splice(0).map((d) => d.drop()));
    for (const dir of this.folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- a small world of shops -------------------------------------------------------------------

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A write by the shop (as its desk's push would land), announced like one. */
export async function shopWrite<T>(storage: RelayStorage, shop: WorkspaceRecord, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
  const store = await storage.workspaceStore(shop.id);
  const out = await store.write({ actor: 'staff:s1', action: 'test' }, fn);
  await storage.announceChanges(shop.id);
  return out;
}

/** A checked-in repair (Maya Lopez's Honda Civic) with its first stage event. */
export async function addShopRepair(
  storage: RelayStorage,
  shop: WorkspaceRecord,
  input: { roNumber: number; insurer: string; claim: string; plate: string; stage?: string; vin?: string; courtesyCar?: string },
): Promise<{ roId: string; vehicleId: string }> {
  return shopWrite(storage, shop, async (tx) => {
    const customerId = await tx.insert('customers', { first_name: 'Maya', last_name: 'Lopez', created_at: '2026-11-20T15:00:00.000Z' });
    const vehicleId = await tx.insert('vehicles', { customer_id: customerId, plate: input.plate, make: 'Honda', model: 'Civic', year: 2019, ...(input.vin ? { vin: input.vin } : {}) });
    const roId = await tx.insert('repair_orders', {
      ro_number: input.roNumber,
      customer_id: customerId,
      vehicle_id: vehicleId,
      insurer: input.insurer,
      claim_number: input.claim,
      stage: input.stage ?? 'estimate',
      promised_date: '2026-12-10',
      ...(input.courtesyCar ? { courtesy_car: input.courtesyCar } : {}),
      estimate_total_cents: 482_050,
      deductible_cents: 50_000,
      checked_in_at: '2026-11-20T15:00:00.000Z',
      first_notice_at: '2026-11-18T15:00:00.000Z',
    });
    await tx.insert('stage_events', { ro_id: roId, stage: input.stage ?? 'estimate', at: '2026-11-20T15:00:00.000Z' });
    return { roId, vehicleId };
  });
}

/** The same repair, answering its id only. */
export async function addRepair(storage: RelayStorage, shop: WorkspaceRecord, input: Parameters<typeof addShopRepair>[2]): Promise<string> {
  return (await addShopRepair(storage, shop, input)).roId;
}

/** The shop grants `provider` (its id or slug) the repairs of these insurers, sharing what is said. */
export async function grant(
  storage: RelayStorage,
  shop: WorkspaceRecord,
  provider: string,
  insurers: string[],
  share: Partial<Record<'photos' | 'documents' | 'messages' | 'amounts', boolean>> = {},
): Promise<string> {
  return shopWrite(storage, shop, (tx) =>
    tx.insert('provider_grants', {
      provider_id: provider,
      insurer_names: JSON.stringify(insurers),
      share_photos: share.photos ? 1 : 0,
      share_documents: share.documents ? 1 : 0,
      share_messages: share.messages ? 1 : 0,
      share_amounts: share.amounts ? 1 : 0,
      granted_at: '2026-11-01T00:00:00.000Z',
      granted_by: 's1',
    }),
  );
}

export async function revokeGrant(storage: RelayStorage, shop: WorkspaceRecord, grantId: string): Promise<void> {
  await shopWrite(storage, shop, (tx) => tx.update('provider_grants', grantId, { revoked_at: new Date().toISOString() }));
}

/** The shop moves a repair to a stage (the row the desk writes, and the RO's current stage). */
export async function moveStage(storage: RelayStorage, shop: WorkspaceRecord, roId: string, stage: string, at = new Date().toISOString()): Promise<void> {
  await shopWrite(storage, shop, async (tx) => {
    await tx.insert('stage_events', { ro_id: roId, stage, at });
    await tx.update('repair_orders', roId, { stage });
  });
}
