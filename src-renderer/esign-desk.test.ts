// The Signatures section of a repair in Chromium at 1366×768: each request's state in the shop's
// words, the customer's consent, a supplement made in the dialog, and a signature arriving by sync
// shown without a refresh. Screenshots land in test-output/ for a person to look at.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBlob } from '../src-main/blobs/local-blobs.js';
import type { TestDesk } from '../src-main/testing/temp-desk.js';
import { type DeskPage, startDeskPage } from '../src-main/testing/desk-page.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import { axeProblems, screenshot } from '../src-main/testing/browser-kit.js';

describe('the Signatures section of a repair', () => {
  let d: DeskPage;
  let t: TestDesk;
  let page: Page;
  let errors: string[];
  let ro: RepairOrderDetail;

  /** What the relay writes when the customer acts in the portal; on this desk it arrives by sync. */
  const relayWrites = (what: string, fn: Parameters<TestDesk['desk']['store']['write']>[1]) =>
    t.desk.store.write({ actor: 'customer', action: what, summary: what, roId: ro.id }, fn);

  beforeAll(async () => {
    d = await startDeskPage({
      prefix: 'bayline-esign-screens-',
      setup: async (desk) => {
        t = desk;
        ro = await t.call('ro-check-in', {
          customer: { firstName: 'Dana', lastName: 'Reyes', mobile: '(512) 555-0147' },
          vehicle: { year: 2019, make: 'Honda', model: 'Accord', color: 'Blue', plate: 'KLM 456' },
          insurer: 'State Farm',
          claimNumber: 'SF-88-1234',
          deductibleCents: 50000,
          estimateTotalCents: 432150,
        });
        const now = Date.now();
        const iso = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
        await relayWrites('esign-consent', (tx) => tx.insert('signature_consents', { customer_id: ro.customer.id, ro_id: ro.id, disclosure_version: '2026-12', agreed_at: iso(300) }));
        const auth = (await t.call('esign-create', { roId: ro.id, kind: 'authorization' })).requests[0]!;
        const sealed = await importBlob(t.desk, Buffer.from(auth.documentBlobHash ? fs.readFileSync(path.join(t.dataDir, 'blobs', auth.documentBlobHash.slice(0, 2), auth.documentBlobHash)) : Buffer.alloc(0)), 'application/pdf');
        await relayWrites('esign-signed', async (tx) => {
          await tx.update('signature_requests', auth.id, { state: 'signed', sent_at: iso(250), opened_at: iso(240), signed_at: iso(235), signer_name: 'Dana Reyes', signature_method: 'drawn' });
          await tx.insert('attachments', { ro_id: ro.id, kind: 'signed-document', blob_hash: sealed.hash, file_name: 'authorization-signed.pdf', mime_type: 'application/pdf', size_bytes: sealed.sizeBytes, published: 1, source: 'customer', added_at: iso(234), signature_request_id: auth.id });
        });
        const bett = (await t.call('esign-create', { roId: ro.id, kind: 'betterment', lines: [{ description: 'Front tires (2)', amountCents: 11200 }] })).requests[0]!;
        await relayWrites('esign-declined', (tx) => tx.update('signature_requests', bett.id, { state: 'declined', sent_at: iso(200), declined_at: iso(180), decline_reason: 'The tires were new last month' }));
        const pickup = (await t.call('esign-create', { roId: ro.id, kind: 'pickup', odometer: 48213, itemsReturned: ['Spare key'] })).requests[0]!;
        await relayWrites('esign-locked', (tx) => tx.update('signature_requests', pickup.id, { state: 'locked', sent_at: iso(100), locked_at: iso(90), state_detail: '5 wrong codes' }));
      },
    });
    ({ page, errors } = d);
  }, 120_000);

  afterAll(async () => {
    await d?.close();
  });

  it('shows every request in the shop’s words, makes a supplement in the dialog, and shows a signature arriving live', async () => {
    await page.getByRole('article', { name: `RO ${ro.roNumber}, Dana Reyes` }).getByRole('button', { name: `RO ${ro.roNumber}` }).click();
    const section = page.getByRole('region', { name: 'Signatures' });
    await section.waitFor();
    const list = section.getByRole('list', { name: 'Documents sent to sign' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(3);
    const words = await section.innerText();
    expect(words).toMatch(/E-sign consent: agreed on/);
    expect(words).toMatch(/Signed by Dana Reyes/);
    expect(words).toContain('Declined');
    expect(words).toContain('“The tires were new last month”');
    expect(words).toMatch(/Locked after too many wrong codes/);
    expect(words).toContain('5 wrong codes');
    await section.getByRole('link', { name: 'Open signed copy' }).waitFor();

    // A supplement made in the dialog: two lines, sent.
    await section.getByRole('button', { name: 'Supplement…' }).click();
    const dialog = page.getByRole('dialog', { name: `Supplement approval · RO ${ro.roNumber}` });
    await dialog.getByLabel('Line 1 description').fill('Rear bumper reinforcement');
    await dialog.getByLabel('Line 1 amount').fill('-185');
    await dialog.getByRole('button', { name: 'Send to sign' }).click();
    await dialog.getByText('Line 1: enter the amount as dollars and cents, like 112.50 (no minus sign).').waitFor();
    await dialog.getByLabel('Line 1 amount').fill('185.00');
    await dialog.getByRole('button', { name: 'Add line' }).click();
    await dialog.getByLabel('Line 2 description').fill('Parking sensor');
    await dialog.getByLabel('Line 2 amount').fill('99');
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await dialog.locator('canvas').first().waitFor();
    await screenshot(page, 'esign-desk-supplement-dialog');
    await dialog.getByRole('button', { name: 'Send to sign' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(4);
    const supplement = list.getByRole('listitem').filter({ hasText: 'Supplement approval 1' });
    expect(await supplement.innerText()).toMatch(/Waiting to go out/);

    // The relay sends it and the customer opens it: the desk shows it without a refresh.
    const id = (await t.call('esign-list', { roId: ro.id })).requests.find((r) => r.kind === 'supplement')!.id;
    await relayWrites('esign-opened', (tx) => tx.update('signature_requests', id, { state: 'opened', sent_at: new Date().toISOString(), opened_at: new Date().toISOString() }));
    await supplement.getByText(/Opened by the customer/).waitFor();

    await section.scrollIntoViewIfNeeded();
    await screenshot(page, 'esign-desk-section');
    await section.screenshot({ path: path.resolve('test-output/esign-desk-section-only.png') });
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
