// The work-provider pages in Chromium, on SQLite and PostgreSQL, with a real desk granting access
// over sync: a provider's person takes the e-mailed invitation, sets a password and a sign-in code,
// signs in again (password + TOTP), finds a claim by a plate typed in lower case with spaces, reads
// stage, dates and exceptions, and sees the shop's stage move without reloading; a repair of a shop
// that did not grant it, and an RO whose insurer maps to another provider, never show; after the
// shop stops sharing, the next request fails. Screenshots at 1366×768 and 390×844 in /tmp/shots-prov-web/.
import fs from 'node:fs';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Desk } from '../../src-main/desk.js';
import { launchChromium } from '../../src-main/testing/browser-kit.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { ProviderGrant } from '../../src-shared/providers/desk-api.js';
import { LocalSmtp } from '../email/imap/local-servers.js';
import type { WorkspaceRecord } from '../storage/types.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import type { WorkProvider } from './records.js';
import { addProvider, CodeClock, inviteByMail, PASSWORD } from './testing.js';

const SHOTS = '/tmp/shots-prov-web';
const ANA = 'ana.ruiz@harbor.example';

describe.each(['sqlite', 'postgres'] as const)('work-provider pages in Chromium on %s', (engine) => {
  let smtp: LocalSmtp;
  let f: RelayFixture;
  let desk: Desk;
  let session: ReturnType<Desk['newSession']>;
  let browser: Browser;
  let harbor: WorkProvider;
  let summit: WorkProvider;
  let mine: RepairOrderDetail;
  let summits: RepairOrderDetail;
  let northgate: WorkspaceRecord;
  let northgateRo = '';
  let harborGrant = '';
  let link = '';
  let leeLink = '';
  const LEE = 'lee.park@harbor.example';
  const clock = new CodeClock();

  async function as<T>(method: string, args: unknown): Promise<T> {
    const outcome = await desk.call(method, args, session);
    if (!outcome.ok) throw new Error(`${method}: ${outcome.error.message}`);
    return outcome.result as T;
  }
  async function pushed() {
    await eventually('the desk to push', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    smtp = await LocalSmtp.start({ relay: 'relay-pass' });
    f = await startRelayFixture(engine, { providerClock: clock.now, providerMail: { smtpUrl: `smtp://relay:relay-pass@127.0.0.1:${smtp.port}`, from: 'Bayline <no-reply@relay.example>' } });
    desk = (await f.pairNewDesk('Front desk')).desk;
    await call(desk, 'workspace-update', { name: 'Lakeside Collision & Paint', phone: '(512) 555-0100', address: '1200 Lakeshore Blvd, Austin, TX 78741' });
    await call(desk, 'staff-create', { name: 'Dana Whitfield', role: 'owner', pin: '2468' });
    const ownerId = (await call<Array<{ id: string; name: string }>>(desk, 'staff-list', {})).find((s) => s.name === 'Dana Whitfield')!.id;
    session = desk.newSession();
    await as('staff-switch', { staffId: ownerId, pin: '2468' });
    harbor = await addProvider(f.storage, 'harbor-mutual', 'Harbor Mutual');
    summit = await addProvider(f.storage, 'summit-insurance', 'Summit Insurance');
    const logo = await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="240" height="64"><rect width="240" height="64" rx="10" fill="#0b3d91"/><circle cx="34" cy="32" r="18" fill="#f2b705"/><text x="62" y="41" font-family="sans-serif" font-size="24" font-weight="700" fill="#fff">HARBOR</text></svg>')).png().toBuffer();
    await f.storage.providers.setLogo(harbor.id, { type: 'image/png', data: logo.toString('base64') });

    mine = await as<RepairOrderDetail>('ro-check-in', {
      customer: { firstName: 'Maya', lastName: 'Lopez', mobile: '(512) 555-0147' },
      vehicle: { plate: '7ABC-123', year: 2019, make: 'Honda', model: 'Civic', color: 'Blue' },
      insurer: 'Harbor Mutual',
      claimNumber: 'HM-2291-7734',
      promisedDate: '2037-12-10',
      courtesyCar: 'Enterprise · Toyota Corolla',
    });
    await as('ro-move-stage', { id: mine.id, stage: 'estimate' });
    await as('ro-move-stage', { id: mine.id, stage: 'teardown' });
    await as('ro-change-promised-date', { id: mine.id, date: '2037-12-14', reason: 'Bumper cover on back order from the dealer' });
    await as('exception-add', { roId: mine.id, tag: '#partsdelay', note: 'internal: dealer slow' });
    summits = await as<RepairOrderDetail>('ro-check-in', {
      customer: { firstName: 'Omar', lastName: 'Diaz', mobile: '(512) 555-0190' },
      vehicle: { plate: 'SUM 4242', make: 'Ford', model: 'Focus' },
      insurer: 'Summit Insurance',
      claimNumber: 'SI-55',
    });
    const grants = await as<ProviderGrant[]>('provider-grant-save', { providerId: harbor.id, providerName: harbor.name, insurerNames: ['harbor mutual'], sharePhotos: true, shareDocuments: false, shareMessages: true, shareAmounts: false });
    harborGrant = grants[0]!.id;
    await as('provider-grant-save', { providerId: summit.id, providerName: summit.name, insurerNames: ['Summit Insurance'], sharePhotos: false, shareDocuments: false, shareMessages: false, shareAmounts: false });

    // Another shop on the same relay: its Harbor Mutual repair is shared with Summit only.
    northgate = await f.storage.createWorkspace({ slug: 'northgate', name: 'Northgate Body' });
    const store = await f.storage.workspaceStore(northgate.id);
    northgateRo = await store.write({ actor: 'staff:n1', action: 'test' }, async (tx) => {
      const v = await tx.insert('vehicles', { plate: 'NGT 777', make: 'Kia', model: 'Soul' });
      await tx.insert('provider_grants', { provider_id: summit.id, insurer_names: JSON.stringify(['Harbor Mutual']), granted_at: new Date().toISOString() });
      return tx.insert('repair_orders', { ro_number: 501, vehicle_id: v, insurer: 'Harbor Mutual', claim_number: 'HM-9', stage: 'estimate' });
    });
    await f.storage.announceChanges(northgate.id);
    await pushed();
    await eventually('the index', async () => (await f.storage.providers.findRepairs(harbor.id, '7ABC123')).length === 1);
    link = await inviteByMail(f.relay, smtp, harbor, ANA, 'Ana Ruiz');
    // Passkeys need a host name (WebAuthn takes no IP address): the relay is reached as localhost.
    f.relay.app.publicUrl = f.relay.url.replace('127.0.0.1', 'localhost');
    leeLink = (await inviteByMail(f.relay, smtp, harbor, LEE, 'Lee Park', 'member')).replace('127.0.0.1', 'localhost');
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await f?.cleanup();
    await smtp?.close();
  });

  async function signIn(page: Page) {
    await page.goto(`${f.relay.url}/provider/sign-in`);
    await page.getByLabel('E-mail').fill(ANA);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Code').fill(await clock.next(totpSecret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${f.relay.url}/provider`);
  }
  let totpSecret = '';

  it('a provider user takes the invitation, signs in with password + code, finds the claim by plate and follows the stage live', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(link);
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome, Ana Ruiz' }).isVisible()).toBe(true);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    totpSecret = (await page.locator('#totp-secret').textContent())!.trim();
    expect(totpSecret).toMatch(/^[A-Z2-7]{16,}$/);
    if (engine === 'sqlite') await page.screenshot({ path: `${SHOTS}/setup-code-1366.png` });
    await page.getByLabel('The 6-digit code it shows').fill(await clock.next(totpSecret));
    await page.getByRole('button', { name: 'Finish' }).click();
    await page.waitForURL(`${f.relay.url}/provider`);
    // Sign out, and in again the everyday way.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/provider\/sign-in$/);
    await signIn(page);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'bayline_provider')).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' });

    await page.getByLabel('Claim number or plate').fill(' 7abc 123 ');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(new RegExp(`/provider/r/${f.workspace.id}/${mine.id}$`));
    await expect.poll(() => page.locator('#stage').textContent()).toBe('Teardown');
    // White-label: the provider's logo heads its pages.
    expect(await page.locator('header.top .brand img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(240);
    const text = (await page.locator('#repair').innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('HM-2291-7734');
    expect(text).toContain('Mon, Dec 14, 2037'); // promised date now
    expect(text).toContain('Bumper cover on back order from the dealer');
    expect(text).toContain('Waiting for parts');
    expect(text).toContain('Enterprise · Toyota Corolla');
    expect(text).toContain('Lakeside Collision & Paint');
    expect(text).toMatch(/Estimate.*Teardown/);
    expect(text).not.toContain('internal: dealer slow');
    if (engine === 'sqlite') await page.screenshot({ path: `${SHOTS}/repair-1366.png`, fullPage: true });

    // The shop moves the stage: the open page shows it without a reload.
    await as('ro-move-stage', { id: mine.id, stage: 'repair-started' });
    await page.waitForFunction(() => document.querySelector('#stage')?.textContent === 'Repair started', undefined, { timeout: 10_000 });
    expect(await page.locator('#stages').innerText()).toContain('Repair started');

    // The same on a phone.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    small.setDefaultTimeout(15_000);
    await signIn(small);
    await small.getByLabel('Claim number or plate').fill('hm 2291 7734');
    await small.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => small.locator('#stage').textContent()).toBe('Repair started');
    if (engine === 'sqlite') await small.screenshot({ path: `${SHOTS}/repair-390.png`, fullPage: true });
    await small.goto(`${f.relay.url}/provider/exceptions`);
    expect(await small.locator('#exceptions').innerText()).toContain('Waiting for parts');
    const csv = await phone.request.get(`${f.relay.url}/provider/exceptions.csv?reason=parts-delay`);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect((await csv.text()).split('\r\n').slice(0, 2)).toEqual([
      'Shop,RO,Claim,Plate,Reason,Tag,Opened,Age (days)',
      expect.stringMatching(/^Lakeside Collision & Paint,1001,HM-2291-7734,7ABC-123,Waiting for parts,#partsdelay,\d{4}-.*,0$/),
    ]);
    await small.goto(`${f.relay.url}/provider/exceptions?reason=customer-choice`);
    expect(await small.locator('#no-exceptions').isVisible()).toBe(true);
    await small.goto(`${f.relay.url}/provider/exceptions`);
    if (engine === 'sqlite') {
      await small.screenshot({ path: `${SHOTS}/exceptions-390.png`, fullPage: true });
      await page.goto(`${f.relay.url}/provider/exceptions`);
      await page.screenshot({ path: `${SHOTS}/exceptions-1366.png`, fullPage: true });
      await page.goto(`${f.relay.url}/provider/sla`);
      await page.screenshot({ path: `${SHOTS}/sla-1366.png`, fullPage: true });
    }
    expect(errors).toEqual([]);
    await phone.close();
    await context.close();
  });

  it('a person takes the invitation, adds a passkey, signs out, signs in with the passkey alone, finds the claim and sees the stage move within 2 s', async () => {
    const base = f.relay.app.publicUrl;
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });

    // The invitation: password and code, then the passkey from the account page.
    await page.goto(leeLink);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    const secret = (await page.locator('#totp-secret').textContent())!.trim();
    await page.getByLabel('The 6-digit code it shows').fill(await clock.next(secret));
    await page.getByRole('button', { name: 'Finish' }).click();
    await page.waitForURL(`${base}/provider`);
    await page.getByRole('link', { name: 'Lee Park' }).click();
    expect(await page.locator('#no-passkeys').isVisible()).toBe(true);
    await page.getByLabel('Name it (which device)').fill('Work laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL(`${base}/provider/account?added=1`);
    expect(await page.locator('table.passkeys').innerText()).toContain('Work laptop');
    const lee = (await f.storage.providers.findUserByEmail(LEE))!;
    expect((await f.storage.providers.passkeysOf(lee.id)).map((p) => p.name)).toEqual(['Work laptop']);
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1);
    if (engine === 'sqlite') await page.screenshot({ path: `${SHOTS}/passkeys-1366.png`, fullPage: true });

    // Sign out; in again with the passkey alone (no e-mail, password or code typed).
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/provider\/sign-in$/);
    if (engine === 'sqlite') await page.screenshot({ path: `${SHOTS}/sign-in-1366.png` });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${base}/provider`);
    expect((await f.storage.providers.passkeysOf(lee.id))[0]!.lastUsedAt).not.toBeNull();

    await page.getByLabel('Claim number or plate').fill(' 7abc 123 ');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(new RegExp(`/provider/r/${f.workspace.id}/${mine.id}$`));
    expect(await page.locator('#stage').textContent()).toBe('Repair started');
    const text = (await page.locator('#repair').innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('Mon, Dec 14, 2037');
    expect(text).toContain('Bumper cover on back order from the dealer');
    expect(text).toContain('Waiting for parts');
    await page.waitForTimeout(300); // the page's event stream is open
    await as('ro-move-stage', { id: mine.id, stage: 'completed' });
    const moved = Date.now();
    await page.waitForFunction(() => document.querySelector('#stage')?.textContent === 'Completed', undefined, { timeout: 2_000 });
    expect(Date.now() - moved).toBeLessThan(2_000);

    // Removing the passkey: it is gone from the list and no longer signs in.
    await page.getByRole('link', { name: 'Lee Park' }).click();
    await page.getByRole('button', { name: 'Remove passkey Work laptop' }).click();
    await page.waitForURL(`${base}/provider/account?removed=1`);
    expect(await page.locator('#no-passkeys').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/provider\/sign-in$/);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect.poll(() => page.locator('#passkey-error').innerText()).toContain('not known here');
    expect(page.url()).toMatch(/\/provider\/sign-in$/);

    if (engine === 'sqlite') {
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      const small = await phone.newPage();
      await small.goto(`${base}/provider/sign-in`);
      await small.screenshot({ path: `${SHOTS}/sign-in-390.png`, fullPage: true });
      await phone.close();
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('never shows a repair of a shop that did not grant it, nor an RO mapped to another provider; stopping the grant fails the next request', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(f.relay.url); // the first test's cookies are on 127.0.0.1
    await signIn(page);
    for (const typed of ['SUM 4242', 'si-55', 'NGT777', 'hm-9']) {
      await page.goto(`${f.relay.url}/provider/find?q=${encodeURIComponent(typed)}`);
      expect(await page.locator('#no-hits').isVisible(), typed).toBe(true);
    }
    for (const url of [`/provider/r/${f.workspace.id}/${summits.id}`, `/provider/r/${northgate.id}/${northgateRo}`]) {
      const res = await page.goto(`${f.relay.url}${url}`);
      expect(res!.status()).toBe(404);
      expect(await page.getByRole('heading', { name: 'Not shared with you' }).isVisible()).toBe(true);
    }
    expect(await page.locator('body').innerText()).not.toContain('Northgate');

    // The shop stops sharing while the page is open: the next request fails.
    const res = await page.goto(`${f.relay.url}/provider/r/${f.workspace.id}/${mine.id}`);
    expect(res!.status()).toBe(200);
    await as('provider-grant-revoke', { id: harborGrant });
    await pushed();
    await page.waitForFunction(() => document.body.innerText.includes('no longer shared with you'), undefined, { timeout: 10_000 });
    const after = await page.reload();
    expect(after!.status()).toBe(404);
    await page.goto(`${f.relay.url}/provider/find?q=7ABC123`);
    expect(await page.locator('#no-hits').isVisible()).toBe(true);
    await context.close();
  });
});
