// Which wording an automation sends a customer (src-shared/automations/evaluate.ts `ruleText`, as
// the relay's automation service calls it): the shop's row in the customer's language; else the
// catalogue's standard wording in that language (never the English row for a Spanish reader); a
// UK shop's English reader of a standard template the shop never changed reads British English.
// On the relay's own SQLite copy of a workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleText } from '../../src-shared/automations/evaluate.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { renderTemplate } from '../../src-shared/sms/templates.js';
import { type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';

const VALUES = { first_name: 'Marisol', vehicle: '2019 Honda Accord', shop_name: 'Lakeside Collision', shop_phone: '(512) 555-0100', portal_link: 'https://relay.example/t/abc', ro_number: '1042' };
const render = (body: string, values: Record<string, string>) => renderTemplate(body, values, { keepLines: true }).text;

describe('automation wording in the customer language', () => {
  let f: RelayFixture;
  beforeAll(async () => {
    f = await startRelayFixture('sqlite');
  }, 60_000);
  afterAll(async () => {
    await f?.cleanup();
  });

  async function write(fn: Parameters<Awaited<ReturnType<RelayFixture['storage']['workspaceStore']>>['write']>[1]) {
    const store = await f.storage.workspaceStore(f.workspace.id);
    await store.write({ actor: 'system', action: 'test-setup', audit: false }, fn);
    return store;
  }

  it('a Spanish reader gets the standard Spanish mail and text when the shop has only English rows, and the shop’s own Spanish when it has one', async () => {
    // The shop has saved its English rows (so an English row exists to fall back on wrongly).
    const store = await write(async (tx) => {
      await tx.insert('email_templates', { id: 'etpl:car-ready', name: 'Your car is ready', audience: 'customer', subject: 'Your {vehicle} is ready', body: 'Hi {first_name}, come and get it.', active: 1, position: 2 });
      await tx.insert('sms_templates', { id: 'tpl:ready-for-pickup', name: 'Ready for pickup', milestone: 'ready-for-pickup', body: 'Hi {first_name}, your {vehicle} is ready.', active: 1, position: 2 } as never);
    });
    const mail = await ruleText(store.db, { kind: 'email-customer', templateId: 'etpl:car-ready', body: 'x', subject: 'x' }, VALUES, render, 'es');
    expect(mail.subject).toBe('Su 2019 Honda Accord ya está listo para recoger');
    expect(mail.text).toMatch(/^Hola Marisol:\n\nBuenas noticias: su 2019 Honda Accord ya está listo para recoger en Lakeside Collision\./);
    const text = await ruleText(store.db, { kind: 'send-sms', templateId: 'tpl:ready-for-pickup', body: 'x' }, VALUES, render, 'es');
    expect(text.text).toBe('Hola Marisol, su 2019 Honda Accord ya está listo para recoger en Lakeside Collision. ¿Preguntas? Llame al (512) 555-0100. https://relay.example/t/abc');
    // English readers keep the shop's English row.
    expect((await ruleText(store.db, { kind: 'send-sms', templateId: 'tpl:ready-for-pickup', body: 'x' }, VALUES, render, null)).text).toBe('Hi Marisol, your 2019 Honda Accord is ready.');

    await write((tx) => tx.insert('email_templates', { id: 'etpl:car-ready:es', name: 'Your car is ready', audience: 'customer', subject: 'Listo: {vehicle}', body: 'Hola {first_name}, ya puede pasar.', active: 1, position: 0, language: 'es' }));
    const own = await ruleText(store.db, { kind: 'email-customer', templateId: 'etpl:car-ready', body: 'x', subject: 'x' }, VALUES, render, 'es');
    expect([own.subject, own.text]).toEqual(['Listo: 2019 Honda Accord', 'Hola Marisol, ya puede pasar.']);
  });

  it("a UK shop's English reader of a standard template the shop never changed reads the British wording", async () => {
    const store = await write((tx) => tx.update('workspace_settings', SETTINGS_ID, { country: 'GB' }));
    const paid = await ruleText(store.db, { kind: 'send-sms', templateId: 'tpl:paid', body: 'x' }, VALUES, render, null);
    expect(paid.text).toBe('Thank you Marisol! Your payment for RO 1042 is received. Drive safely. - Lakeside Collision');
    // A template the shop wrote stays as the shop wrote it.
    expect((await ruleText(store.db, { kind: 'send-sms', templateId: 'tpl:ready-for-pickup', body: 'x' }, VALUES, render, null)).text).toBe('Hi Marisol, your 2019 Honda Accord is ready.');
  });
});
