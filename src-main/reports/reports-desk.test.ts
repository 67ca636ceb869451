// Reports at the desk: only the owner or a manager opens them; the scorecards come out as CSV a
// spreadsheet reads and as the shop's branded PDF (one page per insurer, read back with pdftotext
// and rendered to PNG for a person to look at); Settings › Reports keeps what it is given.
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReportExport, ReportView } from '../../src-shared/reports/api.js';
import { scorecardFixture } from '../../src-shared/reports/fixtures.js';
import { writeFacts } from '../../src-shared/reports/testing.js';
import { importBlob } from '../blobs/local-blobs.js';
import { pdfPages, pdfText, renderPages } from '../printing/printed-pages.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

let t: TestDesk | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const MARCH = { from: '2026-03-01', to: '2026-03-31' };

async function shopWithStaff(): Promise<{ t: TestDesk; owner: string; advisor: string }> {
  const desk = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
  const owner = (await desk.call('staff-create', { name: 'Dana Whitfield', role: 'owner', pin: '2468' })).id;
  const advisor = (await desk.call('staff-create', { name: 'Priya Shah', role: 'advisor', pin: '1357' })).id;
  return { t: desk, owner, advisor };
}

async function refusal(desk: TestDesk, method: string, args: unknown) {
  const o = await desk.desk.call(method, args, desk.session);
  if (o.ok) throw new Error(`${method} should have been refused`);
  return o.error;
}

describe('reports at the desk', () => {
  it('an advisor is refused; the owner sees the scorecards and exports CSV and a branded PDF', async () => {
    const s = await shopWithStaff();
    t = s.t;
    const facts = scorecardFixture();
    const who = (id: string | null) => (id === 'staff-ann' ? s.owner : s.advisor);
    await writeFacts(t.desk.store, {
      ...facts,
      repairs: facts.repairs.map((r) => ({ ...r, checkedInBy: who(r.checkedInBy) })),
      messages: facts.messages.map((m) => ({ ...m, staffId: who(m.staffId) })),
    });
    const logo = await sharp({ create: { width: 300, height: 120, channels: 3, background: '#0b6e4f' } }).png().toBuffer();
    const { hash } = await importBlob(t.desk, logo, 'image/png');
    // writeFacts set the shop's zone and hours; now its name, colours and logo.
    await t.call('staff-switch', { staffId: s.owner, pin: '2468' });
    await t.call('workspace-update', { name: 'Lakeside Collision', address: '1200 Lake Dr, Austin TX', phone: '(512) 555-0100', logoHash: hash, colorPrimary: '#0b6e4f', colorAccent: '#f2a900' });

    await t.call('staff-switch', { staffId: s.advisor, pin: '1357' });
    expect(await refusal(t, 'report-view', MARCH)).toMatchObject({ code: 'not-allowed', message: expect.stringContaining('owner or a manager') });
    expect(await refusal(t, 'report-export', { ...MARCH, format: 'csv', view: 'scorecards' })).toMatchObject({ code: 'not-allowed' });

    await t.call('staff-switch', { staffId: s.owner, pin: '2468' });
    const view: ReportView = await t.call('report-view', MARCH);
    expect(view.insurers).toEqual(['Acme Mutual', 'Birch Insurance', 'Cobalt Casualty']);
    expect(view.figures.delivered).toBe(60);
    expect(view.staff.map((m) => m.name).sort()).toEqual(['Dana Whitfield', 'Priya Shah']);
    expect((await t.call('report-view', { ...MARCH, insurer: 'Birch Insurance' })).scorecards.map((c) => c.insurer)).toEqual(['Birch Insurance']);
    expect(await refusal(t, 'report-view', { from: '2026-04-01', to: '2026-03-01' })).toMatchObject({ code: 'invalid-args', field: 'from', message: expect.stringContaining('starts (2026-04-01) after it ends') });

    const csv: ReportExport = await t.call('report-export', { ...MARCH, format: 'csv', view: 'scorecards' });
    expect(csv.fileName).toBe('lakeside-collision-scorecards-2026-03-01-to-2026-03-31.csv');
    const lines = Buffer.from(csv.base64, 'base64').toString('utf8').split('\r\n');
    expect(lines[1]).toBe('Insurer,Delivered,CSI responses,Response rate (%),CSI overall (1-5),NPS,Keys-to-keys (days),From first notice (days),On time (%),Updates within one business day (%),Exceptions');
    // Acme: 19 responses of 20 (95 %), overall 86/19 = 4.53, NPS 31.58, 3.99 days, 5.99 days from notice, 80 %, 100 %.
    expect(lines[2]).toBe('Acme Mutual,20,19,95,4.53,31.58,3.99,5.99,80,100,Waiting for parts: 3; Insurer delay: 1');
    expect(lines[4]).toBe('Cobalt Casualty,20,10,50,5,50,7.99,7.99,100,17.5,');

    const pdf: ReportExport = await t.call('report-export', { ...MARCH, format: 'pdf', view: 'scorecards' });
    const bytes = Buffer.from(pdf.base64, 'base64');
    expect(pdfPages(bytes)).toHaveLength(3);
    const text = pdfText(bytes);
    for (const words of ['Lakeside Collision', 'Scorecard for Acme Mutual', 'Scorecard for Cobalt Casualty', '4.53', '95 %', '17.5'.replace('17.5', '18 %'), 'Waiting for parts']) {
      expect(text).toContain(words);
    }
    const pages = renderPages(bytes, '/tmp/shots-figures', 'pdf-scorecards', 80);
    expect(pages).toHaveLength(3);
    const one: ReportExport = await t.call('report-export', { ...MARCH, insurer: 'Birch Insurance', format: 'pdf', view: 'scorecards' });
    expect(one.fileName).toBe('lakeside-collision-scorecard-birch-insurance-2026-03-01-to-2026-03-31.pdf');
    expect(pdfPages(Buffer.from(one.base64, 'base64'))).toHaveLength(1);

    const report: ReportExport = await t.call('report-export', { ...MARCH, format: 'pdf', view: 'reports' });
    const reportText = pdfText(Buffer.from(report.base64, 'base64'));
    expect(reportText).toContain('Where cars wait');
    expect(reportText).toContain('Estimate: min(');
    renderPages(Buffer.from(report.base64, 'base64'), '/tmp/shots-figures', 'pdf-report', 80);
  });

  it('Settings › Reports fills defaults, keeps a change and refuses a bad value by name', async () => {
    const s = await shopWithStaff();
    t = s.t;
    await t.call('staff-switch', { staffId: s.owner, pin: '2468' });
    expect(await t.call('report-settings-get', {})).toEqual({ minutesPerCall: 4, callsPerDayBefore: 15, onTimeTargetPercent: 90, cycleTargetDays: 10 });
    expect(await t.call('report-settings-update', { minutesPerCall: 6 })).toEqual({ minutesPerCall: 6, callsPerDayBefore: 15, onTimeTargetPercent: 90, cycleTargetDays: 10 });
    expect(await refusal(t, 'report-settings-update', { callsPerDayBefore: 2.5 })).toMatchObject({ code: 'invalid-args', field: 'callsPerDayBefore', message: 'report-settings-update: callsPerDayBefore must be a whole number' });
    expect((await t.call('report-settings-get', {})).minutesPerCall).toBe(6);
  });
});
