// The shop's email templates at the desk: the three every shop starts with, reworded, added to,
// reordered and removed (a removed one stays removed, also a standard one), and a field Bayline
// cannot fill in refused by name in the subject or the text, with nothing saved.
import { afterEach, describe, expect, it } from 'vitest';
import type { EmailTemplate } from '../../src-shared/domain.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

let t: TestDesk | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const names = (list: EmailTemplate[]) => list.map((x) => x.name);

describe('email templates at the desk', () => {
  it('starts with three, rewords, adds, reorders and removes; unknown fields are refused by name', async () => {
    t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    const start = await t.call('email-template-list', {});
    expect(names(start)).toEqual(['Photos for the adjuster', 'Supplement submitted', 'Your car is ready']);
    expect(start.map((x) => x.audience)).toEqual(['adjuster', 'adjuster', 'customer']);
    expect(await t.desk.db.selectFrom('email_templates').select('id').execute()).toEqual([]);

    const typo = await t.desk.call('email-template-save', { name: 'Rental', subject: 'Rental for {clam_number}', body: 'Hi {first_name}' }, t.session);
    expect(typo).toMatchObject({ ok: false, error: { code: 'invalid-args', field: 'subject', message: expect.stringMatching(/^The subject names \{clam_number\}, which Bayline cannot fill in\. Use only these fields: \{first_name\}/) } });
    const two = await t.desk.call('email-template-save', { name: 'Rental', subject: 'Rental', body: 'Hi {firstname}, {Vehicle} is {ro_number}' }, t.session);
    expect(two).toMatchObject({ ok: false, error: { field: 'body', message: expect.stringContaining('The text names {firstname}, {Vehicle}, which') } });
    expect(names(await t.call('email-template-list', {}))).toHaveLength(3);

    const rental = await t.call('email-template-save', { name: 'Rental extended', audience: 'customer', subject: 'Your rental, RO {ro_number}', body: 'Hi {first_name},\n\nThe insurer extended your rental.' });
    expect(rental).toMatchObject({ audience: 'customer', active: true, standard: false });
    const ready = start.find((x) => x.name === 'Your car is ready')!;
    await t.call('email-template-save', { id: ready.id, name: 'Ready for pickup', audience: 'customer', subject: ready.subject, body: ready.body, active: false });
    expect(names(await t.call('email-template-list', {}))).toEqual(['Photos for the adjuster', 'Supplement submitted', 'Ready for pickup', 'Rental extended']);

    const list = await t.call('email-template-list', {});
    const reordered = await t.call('email-template-order', { ids: [list[3]!.id, list[0]!.id, list[1]!.id, list[2]!.id] });
    expect(names(reordered)).toEqual(['Rental extended', 'Photos for the adjuster', 'Supplement submitted', 'Ready for pickup']);
    const stale = await t.desk.call('email-template-order', { ids: [list[0]!.id] }, t.session);
    expect(stale).toMatchObject({ ok: false, error: { message: expect.stringMatching(/changed meanwhile/) } });

    const photos = list.find((x) => x.name === 'Photos for the adjuster')!;
    const after = await t.call('email-template-delete', { id: photos.id });
    expect(names(after)).toEqual(['Rental extended', 'Supplement submitted', 'Ready for pickup']);
    expect(after.find((x) => x.name === 'Ready for pickup')!.active).toBe(false);
    const again = await t.desk.call('email-template-delete', { id: photos.id }, t.session);
    expect(again).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const audit = await t.call('audit-list', {});
    expect(audit.map((a) => a.summary)).toEqual(expect.arrayContaining(['Email template "Photos for the adjuster" removed', 'Email templates reordered']));
  });

  it('keeps a Spanish wording of a customer template: listed with the template, not as one of its own, and used for a Spanish reader', async () => {
    t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    const ready = (await t.call('email-template-list', {})).find((x) => x.name === 'Your car is ready')!;
    // Before the shop writes its own, the Spanish tab holds the standard Spanish wording, and that is what a Spanish reader gets.
    expect(ready.wordings).toEqual([{ language: 'es', subject: 'Su {vehicle} ya está listo para recoger', body: expect.stringMatching(/^Hola \{first_name\}:\n\nBuenas noticias: su \{vehicle\} ya está listo para recoger en \{shop_name\}\./), own: false }]);
    const marisol = await t.call('ro-check-in', {
      customer: { firstName: 'Marisol', lastName: 'Gutiérrez', mobile: '(512) 555-0147', email: 'marisol@example.com', language: 'es' },
      vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
      promisedDate: '2026-12-03',
    });
    const standard = await t.call('mail-merge-preview', { roId: marisol.id, templateId: ready.id });
    expect(standard.subject).toBe('Su 2019 Honda Accord ya está listo para recoger');
    expect(standard.body).toContain('Hola Marisol:\n\nBuenas noticias: su 2019 Honda Accord ya está listo para recoger en Lakeside Collision.');
    const saved = await t.call('email-template-save', {
      id: ready.id,
      name: ready.name,
      subject: 'Su {vehicle} está listo',
      body: 'Hola {first_name}:\n\nSu {vehicle} estará listo el {promised_date}.',
      language: 'es',
    });
    expect(saved.wordings).toEqual([{ language: 'es', subject: 'Su {vehicle} está listo', body: 'Hola {first_name}:\n\nSu {vehicle} estará listo el {promised_date}.', own: true }]);
    expect(saved.subject).toBe(ready.subject);
    expect(names(await t.call('email-template-list', {}))).toEqual(['Photos for the adjuster', 'Supplement submitted', 'Your car is ready']);
    // A field Bayline cannot fill is refused in a wording too, by name.
    const typo = await t.desk.call('email-template-save', { id: ready.id, name: ready.name, subject: 'Su {vehiculo}', body: 'Hola', language: 'es' }, t.session);
    expect(typo).toMatchObject({ ok: false, error: { field: 'subject', message: expect.stringContaining('{vehiculo}') } });

    const spanish = await t.call('mail-merge-preview', { roId: marisol.id, templateId: ready.id });
    expect(spanish.subject).toBe('Su 2019 Honda Accord está listo');
    expect(spanish.body).toBe('Hola Marisol:\n\nSu 2019 Honda Accord estará listo el jueves, 3 de diciembre.');
    const dana = await t.call('ro-check-in', { customer: { firstName: 'Dana', lastName: 'Reed', mobile: '(512) 555-0148', email: 'dana@example.com' }, vehicle: { year: 2020, make: 'Ford', model: 'F-150' } });
    expect((await t.call('mail-merge-preview', { roId: dana.id, templateId: ready.id })).subject).toBe('Your 2020 Ford F-150 is ready for pickup');
  });
});
