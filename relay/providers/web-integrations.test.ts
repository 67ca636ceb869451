// A work provider's administrator manages the machine interface from the provider pages, in
// Chromium on SQLite and PostgreSQL: makes an API key (shown once, works at once with a Bearer
// header, refused from the next call after revoking on the page), adds a webhook endpoint pointing
// at a receiver on 127.0.0.1 (signing secret shown once; the shop moves a stage → the signed event
// arrives and the delivery log shows it), retries a failed delivery, uploads the logo (a bad file is
// refused by name). A member gets 403 and no link; every new form refuses a post without the CSRF
// token. Screenshots at 1366×768 and 390×844: /tmp/provadmin-*.png.
import { createHmac, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../src-main/testing/browser-kit.js';
import { parseTokenKey, TokenVault } from '../email/token-vault.js';
import { type ReceivedHook, startWebhookReceiver, type WebhookReceiver } from '../provider-api/testing.js';
import { type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import type { WorkProvider } from './records.js';
import { addProvider, addRepair, CodeClock, csrfOf, FormClient, grant, moveStage, PASSWORD, until } from './testing.js';

const ANA = 'ana.ruiz@harbor.example';
const SAM = 'sam.lee@harbor.example';

/** The receiver's own check of the signature, with node:crypto only. */
function signedBy(secret: string, hook: ReceivedHook): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hook.headers['bayline-signature'] ?? ''));
  return !!m && createHmac('sha256', secret).update(`${m[1]}.${hook.raw}`).digest('hex') === m[2];
}

describe.each(['sqlite', 'postgres'] as const)('provider admin: API & webhooks page on %s', (engine) => {
  const clock = new CodeClock();
  let f: RelayFixture;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let harbor: WorkProvider;
  let roId = '';
  let anaSecret = '';
  let admin: FormClient;
  let member: FormClient;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // Two attempts 0.1 s apart, so a refusing receiver turns into a "failed" delivery quickly.
    f = await startRelayFixture(engine, {
      providerClock: clock.now,
      providerApi: { webhooks: { vault: new TokenVault(parseTokenKey(randomBytes(32).toString('hex'))), pollMs: 100, retryBaseMs: 100, retryMaxMs: 200, maxAttempts: 2 } },
    });
    harbor = await addProvider(f.storage, 'harbor-mutual', 'Harbor Mutual');
    roId = await addRepair(f.storage, f.workspace, { roNumber: 1042, insurer: 'Harbor Mutual', claim: 'HM-2291-7734', plate: '7ABC-123' });
    await grant(f.storage, f.workspace, harbor.id, ['Harbor Mutual']);
    await until('the index', async () => (await f.storage.providers.findRepairs(harbor.id, '7ABC123')).length === 1);
    const people: Array<[FormClient, string]> = [];
    for (const [email, name, role] of [[ANA, 'Ana Ruiz', 'admin'], [SAM, 'Sam Lee', 'member']] as const) {
      const sent = await f.relay.providers.auth.invite({ provider: harbor, email, name, role, invitedBy: 'the operator', publicUrl: f.relay.url });
      const client = new FormClient(f.relay.url, clock);
      people.push([client, await client.acceptInvitation(sent.link!)]);
    }
    [[admin, anaSecret], [member]] = people as [[FormClient, string], [FormClient, string]];
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await f?.cleanup();
    await receiver?.close();
  });

  async function signIn(page: Page) {
    await page.goto(`${f.relay.url}/provider/sign-in`);
    await page.getByLabel('E-mail').fill(ANA);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Code').fill(await clock.next(anaSecret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${f.relay.url}/provider`);
  }

  it('the admin makes a key (shown once, works, refused after revoking), adds an endpoint that gets the shop\'s stage move, retries a failure, uploads the logo', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page);

    await page.getByRole('link', { name: 'API & webhooks' }).click();
    await page.waitForURL(`${f.relay.url}/provider/api`);
    expect(await page.locator('#no-keys').textContent()).toContain('No API key yet');

    // A key: the secret on this answer only.
    await page.getByLabel('Name (what uses it)').fill('Claims system');
    await page.getByLabel('Open exceptions').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.locator('#new-secret').textContent())!.trim();
    expect(key).toMatch(/^bkp_[A-Za-z0-9_-]{43}$/);
    expect(await page.locator('#shown-once').textContent()).toContain('not shown again');
    expect(await page.getByRole('button', { name: 'Copy' }).isVisible()).toBe(true);
    if (engine === 'sqlite') await page.screenshot({ path: '/tmp/provadmin-key-1366.png', fullPage: true });

    const api = (path: string) => fetch(`${f.relay.url}/api/provider/v1${path}`, { headers: { authorization: `Bearer ${key}` } });
    const found = await api('/repairs?q=7abc%20123');
    expect(found.status).toBe(200);
    expect(JSON.stringify(await found.json())).toContain('HM-2291-7734');
    expect((await api('/exceptions')).status).toBe(200);
    expect((await api('/sla')).status).toBe(403); // not a scope it was given

    await page.goto(`${f.relay.url}/provider/api`);
    expect(await page.content()).not.toContain(key);
    const row = page.locator('#keys tbody tr', { hasText: 'Claims system' });
    expect(await row.textContent()).toMatch(/repairs:read, exceptions:read/);
    expect(await row.locator('.pill').textContent()).toBe('live');
    expect(await row.locator('td').nth(3).textContent()).toMatch(/UTC$/); // last used: just now

    // Revoking asks first; the next call is refused.
    await page.getByRole('link', { name: 'Revoke key Claims system' }).click();
    expect(await page.getByRole('heading', { name: 'Revoke “Claims system”?' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.waitForURL(`${f.relay.url}/provider/api?done=revoked`);
    expect(await page.locator('#keys .pill').first().textContent()).toBe('revoked');
    const refused = await api('/exceptions');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toBe('revoked-key');

    // An endpoint: plain http to another host is refused with the reason, the receiver here is taken.
    await page.getByLabel('Address (https://…)').fill('http://claims.harbor.example/hook');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    expect(await page.getByRole('alert').textContent()).toMatch(/must start with https:\/\/.*Nothing was changed/);
    expect(await page.getByLabel('Address (https://…)').inputValue()).toBe('http://claims.harbor.example/hook');
    await page.getByLabel('Address (https://…)').fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('Claims intake (test)');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await page.locator('#new-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    expect(await page.locator('#endpoints').textContent()).toContain(receiver.url);

    // The shop moves the stage → a signed event arrives and the log shows it delivered.
    await moveStage(f.storage, f.workspace, roId, 'repair-started');
    await until('the stage event at the receiver', () => receiver.received.some((h) => h.body.type === 'repair.stage-changed'), 30_000);
    const hook = receiver.received.find((h) => h.body.type === 'repair.stage-changed')!;
    expect(signedBy(secret, hook)).toBe(true);
    expect(hook.body.repair.claimNumber).toBe('HM-2291-7734');
    await expect.poll(async () => {
      await page.goto(`${f.relay.url}/provider/api`);
      return (await page.locator('#deliveries tbody tr').first().textContent().catch(() => '')) ?? '';
    }, { timeout: 20_000 }).toMatch(/Stage changed.*HM-2291-7734.*delivered.*HTTP 200/s);
    expect(await page.content()).not.toContain(secret);

    // A receiver refusing: the delivery fails after its attempts; "Retry" sends it again.
    receiver.answerWith(500);
    await moveStage(f.storage, f.workspace, roId, 'completed');
    await expect.poll(async () => {
      await page.goto(`${f.relay.url}/provider/api?status=failed`);
      return await page.locator('#deliveries tbody tr').count();
    }, { timeout: 30_000 }).toBe(1);
    const failed = page.locator('#deliveries tbody tr').first();
    expect(await failed.textContent()).toMatch(/Stage changed.*failed.*HTTP 500.*2 attempts/s);
    if (engine === 'sqlite') await page.screenshot({ path: '/tmp/provadmin-log-1366.png', fullPage: true });
    receiver.answerWith(null);
    const before = receiver.received.length;
    await failed.getByRole('button', { name: 'Retry' }).click();
    await page.waitForURL(`${f.relay.url}/provider/api?done=retried`);
    await until('the retried event', () => receiver.received.length > before, 30_000);
    expect(receiver.received.at(-1)!.body.data.stage).toBe('completed');
    await expect.poll(async () => {
      await page.goto(`${f.relay.url}/provider/api?status=failed`);
      return await page.locator('#no-deliveries').isVisible();
    }, { timeout: 20_000 }).toBe(true);

    // The logo: an SVG is refused by name, a PNG shows in the header of every page.
    await page.goto(`${f.relay.url}/provider/team`);
    await page.setInputFiles('#logo-file', { name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') });
    await page.getByRole('button', { name: 'Upload logo' }).click();
    expect(await page.locator('.alert').textContent()).toMatch(/logo\.svg is an SVG drawing; save the logo as PNG, JPEG or WebP/);
    expect((await f.storage.providers.findProvider(harbor.id))!.logo).toBeNull();
    const png = await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="240" height="64"><rect width="240" height="64" rx="10" fill="#0b3d91"/><text x="20" y="42" font-family="sans-serif" font-size="26" font-weight="700" fill="#fff">HARBOR</text></svg>')).png().toBuffer();
    await page.setInputFiles('#logo-file', { name: 'harbor.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('button', { name: 'Upload logo' }).click();
    expect(await page.locator('.note').textContent()).toContain('Logo saved');
    expect(await page.locator('header .brand img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(240);
    const big = Buffer.concat([png, randomBytes(210 * 1024)]);
    await page.setInputFiles('#logo-file', { name: 'huge.png', mimeType: 'image/png', buffer: big });
    await page.getByRole('button', { name: 'Upload logo' }).click();
    expect(await page.locator('.alert').textContent()).toMatch(/200 KB at most\. Nothing was changed/);
    expect((await f.storage.providers.findProvider(harbor.id))!.logo!.data).toBe(png.toString('base64'));

    if (engine === 'sqlite') {
      await page.goto(`${f.relay.url}/provider/api`);
      await page.screenshot({ path: '/tmp/provadmin-page-1366.png', fullPage: true });
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, storageState: await context.storageState() });
      const small = await phone.newPage();
      await small.goto(`${f.relay.url}/provider/api`);
      expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await small.screenshot({ path: '/tmp/provadmin-page-390.png', fullPage: true });
      await phone.close();
    }
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('a member gets 403 and no link; every new form refuses a post without the CSRF token', async () => {
    const home = await member.get('/provider');
    expect(home.status).toBe(200);
    expect(home.text).not.toContain('/provider/api');
    expect((await member.get('/provider/api')).status).toBe(403);
    const memberToken = csrfOf(home.text);
    expect((await member.post('/provider/api/keys', { _csrf: memberToken, name: 'Mine', scopes: 'repairs:read' })).status).toBe(403);

    expect((await admin.signIn(ANA, anaSecret)).location).toBe('/provider');
    const token = csrfOf((await admin.get('/provider/api')).text);
    const keysBefore = (await f.storage.providerApi.listKeys(harbor.id)).length;
    const made = await admin.post('/provider/api/keys', { _csrf: token, name: 'Fleet feed', scopes: 'repairs:read' });
    expect(made.status).toBe(200);
    const keyId = (await f.storage.providerApi.listKeys(harbor.id)).find((k) => k.name === 'Fleet feed')!.id;
    const endpoint = (await admin.post('/provider/api/webhooks', { _csrf: token, url: 'https://fleet.harbor.example/hook' }));
    expect(endpoint.status).toBe(200);
    const endpointId = (await f.storage.providerApi.listEndpoints(harbor.id)).find((e) => e.url === 'https://fleet.harbor.example/hook')!.id;

    const forms: Array<[string, Record<string, string>]> = [
      ['/provider/api/keys', { name: 'Sneaky', scopes: 'repairs:read' }],
      [`/provider/api/keys/${keyId}/revoke`, {}],
      ['/provider/api/webhooks', { url: 'https://evil.example/hook' }],
      [`/provider/api/webhooks/${endpointId}/remove`, {}],
      [`/provider/api/deliveries/${endpointId}/x/retry`, {}],
    ];
    for (const [action, form] of forms) {
      expect((await admin.post(action, form)).status, `${action} without a token`).toBe(403);
      expect((await admin.post(action, { ...form, _csrf: 'not-the-token' })).status, `${action} with a wrong token`).toBe(403);
    }
    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const upload = new FormData();
    upload.append('logo', new Blob([await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } }).png().toBuffer()], { type: 'image/png' }), 'red.png');
    const logoBefore = (await f.storage.providers.findProvider(harbor.id))!.logo;
    expect((await fetch(`${f.relay.url}/provider/team/logo`, { method: 'POST', headers: { cookie }, body: upload })).status).toBe(403);

    // Nothing changed by the refused posts.
    expect((await f.storage.providerApi.listKeys(harbor.id)).length).toBe(keysBefore + 1);
    expect((await f.storage.providerApi.listKeys(harbor.id)).find((k) => k.id === keyId)!.revokedAt).toBeNull();
    expect((await f.storage.providerApi.listEndpoints(harbor.id)).filter((e) => !e.removedAt).map((e) => e.url)).toEqual(expect.arrayContaining(['https://fleet.harbor.example/hook']));
    expect((await f.storage.providerApi.listEndpoints(harbor.id)).some((e) => e.url.includes('evil'))).toBe(false);
    expect((await f.storage.providers.findProvider(harbor.id))!.logo).toEqual(logoBefore);

    // With the token the same posts go through.
    expect((await admin.post(`/provider/api/keys/${keyId}/revoke`, { _csrf: token })).location).toBe('/provider/api?done=revoked');
    expect((await admin.post(`/provider/api/webhooks/${endpointId}/remove`, { _csrf: token })).location).toBe('/provider/api?done=removed');
  }, 60_000);
});
