// Texts from templates in the customer's language (issue 22): a Spanish-reading customer's text
// uses the Spanish wording (the standard default until the shop writes its own), an English one
// the shop's wording, and a language's wording never shows up as a template of its own.
import { afterEach, describe, expect, it } from 'vitest';
import { pickTemplate } from '../../src-shared/automations/evaluate.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { DEFAULT_TEMPLATES } from '../../src-shared/sms/templates.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

let t: TestDesk | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('texts in the customer language', () => {
  it('previews the Spanish wording for a Spanish reader and the English one for the rest', async () => {
    t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    await t.call('workspace-update', { phone: '(512) 555-0100' });
    const es = await t.call('ro-check-in', {
      customer: { firstName: 'Marisol', lastName: 'Gutiérrez', mobile: '(512) 555-0147', language: 'es' },
      vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
    });
    const en = await t.call('ro-check-in', {
      customer: { firstName: 'Dana', lastName: 'Reed', mobile: '(512) 555-0148' },
      vehicle: { year: 2020, make: 'Ford', model: 'F-150' },
    });
    expect(es.customer.language).toBe('es');
    const spanish = await t.call('sms-preview', { roId: es.id, templateId: 'tpl:paid' });
    expect(spanish.text).toBe(`¡Gracias, Marisol! Recibimos su pago de la orden ${es.roNumber}. Maneje con cuidado. - Lakeside Collision`);
    const english = await t.call('sms-preview', { roId: en.id, templateId: 'tpl:paid' });
    expect(english.text).toBe(`Thank you Dana! Your payment for RO ${en.roNumber} is received. Drive safe. - Lakeside Collision`);

    // The shop's own Spanish wording wins over the default, and is not listed as a template of its own.
    await t.desk.store.write({ actor: 'system', action: 'sms-template-save' }, (tx) =>
      tx.insert('sms_templates', { id: 'tpl:paid:es', name: 'Paid', milestone: 'paid', body: 'Gracias {first_name}, la orden {ro_number} está pagada.', active: 1, language: 'es' }),
    );
    expect((await t.call('sms-preview', { roId: es.id, templateId: 'tpl:paid' })).text).toBe(`Gracias Marisol, la orden ${es.roNumber} está pagada.`);
    const list = await t.call('sms-template-list', {});
    expect(list.map((x) => x.id)).not.toContain('tpl:paid:es');

    // A language the API does not know is refused with the field named.
    const bad = await t.desk.call('customer-update', { id: es.customer.id, language: 'fr' }, t.session);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(JSON.stringify(bad.error)).toContain('language');
  });

  it('writes the promised date in the wording’s language and the shop’s country, and saves a Spanish wording from the editor', async () => {
    t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    const es = await t.call('ro-check-in', {
      customer: { firstName: 'Marisol', lastName: 'Gutiérrez', mobile: '(512) 555-0147', language: 'es' },
      vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
      promisedDate: '2026-12-03',
    });
    const en = await t.call('ro-check-in', {
      customer: { firstName: 'Dana', lastName: 'Reed', mobile: '(512) 555-0148' },
      vehicle: { year: 2020, make: 'Ford', model: 'F-150' },
      promisedDate: '2026-12-03',
    });
    const tpl = 'tpl:supplement-approved';
    expect((await t.call('sms-preview', { roId: es.id, templateId: tpl })).text).toContain('Esperamos tenerlo listo el jueves, 3 de diciembre.');
    expect((await t.call('sms-preview', { roId: en.id, templateId: tpl })).text).toContain('We expect it ready Thursday, December 3.');
    // A shop's own template with no Spanish wording stays all English for a Spanish reader, date included.
    const own = await t.call('sms-template-save', { name: 'Date check', body: 'Ready {promised_date}.' });
    expect((await t.call('sms-preview', { roId: es.id, templateId: own.id })).text).toBe('Ready Thursday, December 3.');

    // The editor's Spanish tab: the list carries the default, saving writes the template's Spanish row.
    const list = await t.call('sms-template-list', {});
    expect(list.find((x) => x.id === tpl)!.wordings).toEqual([{ language: 'es', body: expect.stringContaining('la aseguradora aprobó'), own: false }]);
    expect(list.find((x) => x.id === own.id)!.wordings).toEqual([{ language: 'es', body: '', own: false }]);
    const saved = await t.call('sms-template-save', { id: own.id, name: 'Date check', body: 'Listo el {promised_date}.', language: 'es' });
    expect(saved.wordings).toEqual([{ language: 'es', body: 'Listo el {promised_date}.', own: true }]);
    expect(saved.body).toBe('Ready {promised_date}.');
    expect((await t.call('sms-preview', { roId: es.id, templateId: own.id })).text).toBe('Listo el jueves, 3 de diciembre.');
    expect((await t.call('sms-template-list', {})).map((x) => x.id)).not.toContain(`${own.id}:es`);
    // A wording for a template that does not exist is refused, naming what to do.
    const bad = await t.desk.call('sms-template-save', { id: 'tpl:nope', name: 'x', body: 'y', language: 'es' }, t.session);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toContain('Save the template in English first');

    // A UK shop: day-first, no comma, for English readers; Spain's Spanish formats for Spanish readers.
    await t.call('workspace-update', { country: 'GB' });
    expect((await t.call('sms-preview', { roId: en.id, templateId: tpl })).text).toContain('We expect it ready Thursday 3 December.');
    expect((await t.call('sms-preview', { roId: es.id, templateId: tpl })).text).toContain('el jueves, 3 de diciembre.');
  });

  it('a UK shop’s untouched standard templates read in British English at the desk, as the relay sends them', async () => {
    t = await openTestDesk({ workspace: { name: 'Riverside Bodyshop', slug: 'riverside' } });
    const ready = 'tpl:ready-for-pickup';
    // A US shop's desk and relay both use the American wording.
    expect((await t.call('sms-template-list', {})).find((x) => x.id === ready)!.body).toContain('is ready for pickup at');
    await t.call('workspace-update', { country: 'GB' });
    await t.call('workspace-update', { phone: '0113 496 0000' });
    // The relay gave the shop a UK texting number.
    await t.desk.store.write({ actor: 'system', action: 'test-setup' }, (tx) => tx.update('workspace_settings', SETTINGS_ID, { sms_number: '+447700900100' }));
    const ro = await t.call('ro-check-in', {
      customer: { firstName: 'Olivia', lastName: 'Hughes', mobile: '07400 123456' },
      vehicle: { year: 2020, make: 'Ford', model: 'Fiesta' },
    });

    // The editor's list (what Settings › Texts shows), the preview and what Send stores all carry
    // the en-GB wording, the same words the relay picks for an automated text.
    const list = await t.call('sms-template-list', {});
    for (const d of DEFAULT_TEMPLATES) {
      const relay = await pickTemplate(t.desk.db, 'sms', d.id, null);
      expect(list.find((x) => x.id === d.id)!.body).toBe(relay!.body);
    }
    expect(list.find((x) => x.id === ready)!.body).toBe('Hi {first_name}, your {vehicle} is ready to collect at {shop_name}. Questions? Call {shop_phone}. {portal_link}');
    expect(list.find((x) => x.id === 'tpl:supplement-approved')!.body).toContain('your work provider approved');
    // The list names the template the way a UK bodyshop says it.
    expect(list.find((x) => x.id === ready)!.name).toBe('Ready for collection');
    const preview = await t.call('sms-preview', { roId: ro.id, templateId: ready });
    expect(preview.text).toContain('Hi Olivia, your 2020 Ford Fiesta is ready to collect at Riverside Bodyshop. Questions? Call 0113 496 0000.');
    // (Whatever the hour the test runs at: staff may send outside the shop's hours on purpose.)
    await t.call('sms-send', { roId: ro.id, templateId: ready, confirmOutsideHours: true });
    const sent = await t.desk.db.selectFrom('messages').select('body').where('ro_id', '=', ro.id).where('channel', '=', 'sms').executeTakeFirstOrThrow();
    expect(sent.body).toContain('is ready to collect at Riverside Bodyshop');

    // Once the shop saves its own wording, the desk and the relay both use that.
    await t.call('sms-template-save', { id: ready, name: 'Ready to collect', body: 'Hi {first_name}, come and collect your {vehicle}.', active: true });
    expect((await t.call('sms-template-list', {})).find((x) => x.id === ready)!.body).toBe('Hi {first_name}, come and collect your {vehicle}.');
    expect((await pickTemplate(t.desk.db, 'sms', ready, null))!.body).toBe('Hi {first_name}, come and collect your {vehicle}.');
  });

  it('offers English and Spanish in a US shop and English only in a UK shop unless it chooses, and remembers the choice', async () => {
    t = await openTestDesk({ workspace: { name: 'Riverside Bodyshop', slug: 'riverside' } });
    expect((await t.call('workspace-get', {})).customerLanguages).toEqual(['en', 'es']);
    expect((await t.call('workspace-update', { country: 'GB' })).customerLanguages).toEqual(['en']);
    expect((await t.call('workspace-update', { customerLanguages: ['es'] })).customerLanguages).toEqual(['en', 'es']);
    expect((await t.call('workspace-update', { customerLanguages: ['en'] })).customerLanguages).toEqual(['en']);
    // The choice stays when the country changes.
    expect((await t.call('workspace-update', { country: 'US' })).customerLanguages).toEqual(['en']);
    const bad = await t.desk.call('workspace-update', { customerLanguages: ['fr'] }, t.session);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(JSON.stringify(bad.error)).toContain('customerLanguages');
  });
});
