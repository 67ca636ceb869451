// A UK shop prints on A4 with day-first dates, £ and UK phone numbers (issue 22); a US shop keeps
// Letter. The text is read back out of the real PDF with pdftotext.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

let t: TestDesk | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function printed(country: 'US' | 'GB', mobile: string) {
  t = await openTestDesk({ workspace: { name: 'Riverside Bodyshop', slug: 'riverside' } });
  await t.call('workspace-update', { country, timeZone: country === 'GB' ? 'Europe/London' : 'America/Chicago' });
  const ro = await t.call('ro-check-in', { customer: { firstName: 'Amy', lastName: 'Hart', mobile }, vehicle: { plate: 'AB12 CDE' }, deductibleCents: 25000, promisedDate: '2037-12-04' });
  const out: Record<string, { paper: string; size: { width: number; height: number }; text: string }> = {};
  for (const kind of ['work-order', 'tag'] as const) {
    const r = await t.call('print-render', { roId: ro.id, kind });
    const file = path.join(t.dataDir, `${kind}.pdf`);
    fs.writeFileSync(file, Buffer.from(r.pdfBase64, 'base64'));
    out[kind] = { paper: r.paper, size: r.pageSizeMicrons, text: execFileSync('pdftotext', [file, '-']).toString() };
  }
  return out;
}

describe('printing by the shop’s country', () => {
  it('a UK shop: A4 work order and tag, day-first dates, £, the mobile in UK form', async () => {
    const p = await printed('GB', '07400 123456');
    for (const kind of ['work-order', 'tag']) {
      expect(p[kind]!.paper).toBe('a4');
      expect(p[kind]!.size).toEqual({ width: 210002, height: 297000 });
      expect(p[kind]!.text).toContain('Fri, 4 Dec 2037');
    }
    expect(p['work-order']!.text).toContain('£250.00');
    expect(p['work-order']!.text).toContain('07400 123456');
    // The 24-hour clock with a two-digit hour ("07:53", never "7:53" or "7:53 am").
    expect(p['work-order']!.text).toMatch(/Checked in \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}(?! ?[ap]m)/i);
    expect(p['work-order']!.text).toMatch(/Printed \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}/);
  });

  it('a US shop: Letter and a half-letter tag, month-first dates, $', async () => {
    const p = await printed('US', '(512) 555-0147');
    expect(p['work-order']!.paper).toBe('letter');
    expect(p.tag!.paper).toBe('half-letter');
    expect(p['work-order']!.text).toContain('Fri, Dec 4, 2037');
    expect(p['work-order']!.text).toContain('$250.00');
    expect(p['work-order']!.text).toContain('(512) 555-0147');
  });
});
