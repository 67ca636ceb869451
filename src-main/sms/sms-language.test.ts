// Texts from templates in the customer's language (issue 22): a Spanish-reading customer's text
// uses the Spanish wording (the standard default until the shop writes its own), an English one
// the shop's wording, and a language's wording never shows up as a template of its own.
import { afterEach, describe, expect, it } from 'vitest';
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
});
