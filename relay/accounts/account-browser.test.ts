// The account on a phone in Chromium (390×844): from the repair's page (opened by its link, no
// account), "See all your repairs", the mobile number, the code read from the fake Telnyx's sent
// texts, the list; a second browser signs in too, the phone signs out everywhere and the second
// browser is signed out on its next request; the shop's link still opens with no cookies.
// Screenshots land in /tmp/shots-account/ (and test-output/).
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortalLink } from '../../src-shared/domain.js';
import { axeProblems, launchChromium, TEST_OUTPUT, watchedPage } from '../../src-main/testing/browser-kit.js';
import { startSigningShop, type SigningShop } from '../esign/testing.js';
import { ZOE } from '../sms/testing.js';
import { call, eventually } from '../testing/sync-fixture.js';
import { accountCodesTo, lastAccountCode, signAuthorization } from './testing.js';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const SHOTS = '/tmp/shots-account/';

describe('the account on a phone', () => {
  let s: SigningShop;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    fs.mkdirSync(TEST_OUTPUT, { recursive: true });
    s = await startSigningShop('sqlite', { accounts: { codeGapMs: 0 } });
    await signAuthorization(s);
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await s?.cleanup();
  });

  async function shot(page: import('playwright-core').Page, name: string, fullPage = false) {
    await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage });
    await page.screenshot({ path: `${TEST_OUTPUT}account-${name}.png`, fullPage });
  }

  async function signIn(page: import('playwright-core').Page, name: string) {
    await page.getByLabel('Your mobile number').fill('(512) 555-0147');
    const before = accountCodesTo(s.fake, ZOE);
    await page.getByRole('button', { name: 'Text me a code' }).click();
    await page.getByText('If (512) 555-0147 is the mobile we have for you, we just texted it a 6-digit code.').waitFor();
    const code = await eventually('the code in the fake inbox', async () => (accountCodesTo(s.fake, ZOE) > before ? (lastAccountCode(s.fake, ZOE) ?? undefined) : undefined));
    await page.getByLabel('Code from the text').fill(code);
    if (name) await shot(page, name);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your repairs', exact: true }).waitFor();
  }

  it('signs in with the texted code, lists the repairs, and signing out everywhere signs the other browser out', async () => {
    const deskLink = await call<PortalLink>(s.desk, 'portal-link-issue', { roId: s.ro.id, rotate: false });
    await eventually('the link on the relay', async () => (await fetch(deskLink.url!)).status === 200);

    const phone = await browser.newContext(PHONE);
    const { page, errors } = await watchedPage(phone);
    await page.goto(deskLink.url!);
    await page.getByRole('link', { name: 'See all your repairs with Harbor Collision' }).scrollIntoViewIfNeeded();
    await shot(page, '1-status-page-link');
    await page.getByRole('link', { name: 'See all your repairs with Harbor Collision' }).click();
    await page.getByLabel('Your mobile number').waitFor();
    // What the portal's no-referrer policy does to a form post's Origin (why the account uses form tokens).
    const origins: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') origins.push(r.headers().origin ?? '(none)');
    });
    await shot(page, '2-number');
    expect(await axeProblems(page)).toEqual([]);
    await signIn(page, '3-code');
    const list = page.locator('main');
    await expect.poll(() => list.innerText()).toContain(`RO ${s.ro.roNumber}`);
    expect(await list.innerText()).toContain('Repair authorization');
    await shot(page, '4-list', true);
    expect(origins[0]).toBe('null');
    expect(await axeProblems(page)).toEqual([]);

    // The signed copy downloads through the repair's own link.
    const [download] = await Promise.all([page.waitForEvent('download').catch(() => null), page.getByRole('button', { name: 'Download signed copy' }).click()]);
    if (download) expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    else expect(page.url()).toMatch(/\/signed\.pdf$/);
    await page.goto(`${s.f.relay.url}/p/lakeside/account`);

    // Open this repair: the portal page, through a token of its own.
    await page.getByRole('button', { name: 'Open this repair' }).click();
    await page.waitForURL(/\/t\/[A-Za-z0-9_-]{46}$/);
    await page.getByText(`Repair order ${s.ro.roNumber}`).waitFor();
    await page.goBack();

    // A second browser (a laptop) signs in to the same account.
    const laptop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const second = await watchedPage(laptop);
    await second.page.goto(`${s.f.relay.url}/p/lakeside/account`);
    await signIn(second.page, '');
    await second.page.getByText('(this one)').waitFor();

    await page.goto(`${s.f.relay.url}/p/lakeside/account`);
    await page.getByRole('button', { name: 'Sign out everywhere' }).scrollIntoViewIfNeeded();
    await shot(page, '5-devices');
    // Both browsers are listed as signed in.
    expect(await page.locator('section[aria-labelledby="devices-h"] .acct-item').count()).toBe(2);
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByText('You are signed out on every device.').waitFor();
    await shot(page, '6-signed-out');

    // The laptop's next request finds itself signed out.
    await second.page.reload();
    await second.page.getByText('You were signed out. Sign in again to see your repairs.').waitFor();
    expect(await second.page.getByRole('heading', { name: 'Your repairs', exact: true }).count()).toBe(0);
    await laptop.close();

    // The shop's link still opens, in a browser with no cookies at all and no account.
    const fresh = await browser.newContext(PHONE);
    const third = await watchedPage(fresh);
    await third.page.goto(deskLink.url!);
    await third.page.getByText(`Repair order ${s.ro.roNumber}`).waitFor();
    expect(await fresh.cookies()).toEqual([]);
    await fresh.close();

    expect(errors).toEqual([]);
    expect(second.errors).toEqual([]);
    await phone.close();
  }, 120_000);

  it('ten wrong codes: the page says the number is locked and until when', async () => {
    const phone = await browser.newContext(PHONE);
    const { page } = await watchedPage(phone);
    await page.goto(`${s.f.relay.url}/p/lakeside/account`);
    await page.getByLabel('Your mobile number').fill('(512) 555-0147');
    const before = accountCodesTo(s.fake, ZOE);
    await page.getByRole('button', { name: 'Text me a code' }).click();
    const code = await eventually('the code in the fake inbox', async () => (accountCodesTo(s.fake, ZOE) > before ? (lastAccountCode(s.fake, ZOE) ?? undefined) : undefined));
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 10; i += 1) {
      await page.getByLabel('Code from the text').fill(wrong);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('status').waitFor();
    }
    await page.getByLabel('Code from the text').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/Too many wrong codes for this number\. Please try again after .* \(in about 30 minutes\)/).waitFor();
    await shot(page, '7-locked');
    await phone.close();
  }, 60_000);
});
