// Signing in the portal against the real relay (SQLite and PostgreSQL), a real paired desk that
// makes the requests, and the fake Telnyx: the link goes out, consent comes first, codes are
// checked and limited, replays and other repairs' links are refused, versions supersede, and the
// evidence lands in the RO's audit trail. Sealing is the real one (relay/esign/seal.ts), recording its input.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { relayLoggerOptions } from '../server.js';
import { checkIn, settle } from '../sms/testing.js';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import { DISCLOSURE_VERSION, maskPhone } from './disclosure.js';
import { deskRequest, deskSees, lastCode, linkFor, makeRequest, startSigningShop, type SigningShop } from './testing.js';

const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Safari/604.1';
const INTENT = 'I agree to sign this repair authorization electronically';

async function post(url: string, body: Record<string, unknown> = {}, cookie?: string) {
  const res = await fetch(url, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json', 'user-agent': UA, ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string; message: string } };
}

async function page(url: string) {
  const res = await fetch(url, { headers: { 'user-agent': UA } });
  return { status: res.status, text: await res.text() };
}

describe('where the code went, as the customer and the audit read it', () => {
  it('hides the middle of the number the way the shop\'s country writes it', () => {
    expect(maskPhone('+15125550147')).toBe('(512) ***-0147');
    expect(maskPhone('+14165550123', 'CA')).toBe('(416) ***-0123');
    expect(maskPhone('+447700900123', 'GB')).toBe('07700 **0123');
    expect(maskPhone('+442079460958', 'GB')).toBe('020 **** 0958');
    // A number from abroad keeps its country code.
    expect(maskPhone('+15125550147', 'GB')).toBe('+1 512 *** 0147');
    expect(maskPhone('+1512')).toBe('***');
  });
});

describe.each(['sqlite', 'postgres'] as Engine[])('signing in the portal (%s)', (engine) => {
  let s: SigningShop;
  const lines: string[] = [];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    s = await startSigningShop(engine, { logger: { ...(relayLoggerOptions('debug') as object), stream } });
  }, 60_000);
  afterAll(async () => {
    await s?.cleanup();
  });

  /** Made at the desk, texted, consented: ready for a code. */
  // Each test's document is a version of its own (two requests for one version: the later is voided).
  let nextVersion = 10;
  async function ready(input: Parameters<typeof makeRequest>[3] = {}, consent = true) {
    const made = await makeRequest(s.desk, s.dataDir, s.ro.id, { version: nextVersion++, ...input });
    const link = await linkFor(s.fake, made.id);
    const base = link.url.replace(/\?.*$/, '');
    if (consent) expect((await post(`${base}/consent`)).status).toBe(200);
    await eventually('the document on the relay', async () => (await fetch(`${base}/document.pdf`)).status === 200);
    return { ...made, link, base };
  }

  it('texts the link, asks for consent first, signs with a code, files the sealed copy and writes the evidence into the audit trail', async () => {
    const made = await makeRequest(s.desk, s.dataDir, s.ro.id);
    const link = await linkFor(s.fake, made.id);
    expect(link.text).toMatch(/^Harbor Collision asks you to sign the repair authorization for RO \d+: http/);
    await deskSees(s.desk, made.id, 'sent');

    // Consent first: the page is the disclosure, and signing is refused until it is agreed.
    const first = await page(link.url);
    expect(first.status).toBe(200);
    expect(first.text).toContain('Before you sign electronically');
    expect(first.text).toContain('Paper is always an option');
    expect(first.text).toContain(DISCLOSURE_VERSION);
    expect(first.text).not.toContain('name="intent"');
    const early = await post(`${link.url}/sign`, { intent: INTENT, code: '123456', signerName: 'Zoë Nguyen', method: 'typed' });
    expect(early).toMatchObject({ status: 403, body: { error: 'no-consent' } });

    expect((await post(`${link.url}/consent`)).status).toBe(200);
    const consent = await eventually('the consent on the desk', async () => s.desk.store.db.selectFrom('signature_consents').selectAll().where('ro_id', '=', s.ro.id).executeTakeFirst());
    expect(consent).toMatchObject({ disclosure_version: DISCLOSURE_VERSION, user_agent: UA, ip: '127.0.0.1', withdrawn_at: null });

    await eventually('the document on the relay', async () => (await fetch(`${link.url}/document.pdf`)).status === 200);
    const signPage = await page(link.url);
    expect(signPage.text).toContain(`value="${INTENT}"`);
    expect(signPage.text).not.toMatch(/name="intent"[^>]*checked/);
    expect((await deskSees(s.desk, made.id, 'opened')).opened_at).not.toBeNull();
    // The exact bytes the desk made.
    expect(Buffer.from(await (await fetch(`${link.url}/document.pdf`)).arrayBuffer()).equals(made.pdf)).toBe(true);

    // No intent, no signature.
    const sent = await post(`${link.url}/code`);
    expect(sent).toMatchObject({ status: 200, body: { ok: true } });
    expect(sent.body.message).toContain('(512) ***-0147');
    const code = lastCode(s.fake)!;
    expect(code).toMatch(/^\d{6}$/);
    expect((await post(`${link.url}/sign`, { intent: '', code, signerName: 'Zoë Nguyen', method: 'typed' })).body.error).toBe('no-intent');

    const signed = await post(`${link.url}/sign`, { intent: INTENT, code, signerName: 'Zoë Nguyen', method: 'typed' });
    expect(signed).toMatchObject({ status: 200, body: { ok: true } });
    const row = await deskSees(s.desk, made.id, 'signed');
    expect(row).toMatchObject({ signer_name: 'Zoë Nguyen', signature_method: 'typed', intent_text: INTENT, signed_ip: '127.0.0.1', signed_user_agent: UA, code_sent_to: 'text to (512) ***-0147' });
    expect(row.code_verified_at).not.toBeNull();
    expect(row.sealed_blob_hash).toMatch(/^[0-9a-f]{64}$/);
    const filed = await eventually('the sealed copy on the RO', async () =>
      s.desk.store.db.selectFrom('attachments').selectAll().where('signature_request_id', '=', made.id).where('kind', '=', 'signed-document').executeTakeFirst(),
    );
    expect(filed).toMatchObject({ blob_hash: row.sealed_blob_hash, mime_type: 'application/pdf', ro_id: s.ro.id });

    // What the sealer was handed: the exact document, its hash, the consent, and every event.
    const input = s.sealer.inputs.find((i) => i.documentSha256 === made.sha256)!;
    expect(input.document.equals(made.pdf)).toBe(true);
    expect(input).toMatchObject({ shopName: 'Harbor Collision', signerName: 'Zoë Nguyen', intentText: INTENT, codeSentTo: 'text to (512) ***-0147', consent: { disclosureVersion: DISCLOSURE_VERSION } });
    expect(input.events.map((e) => e.what)).toEqual(expect.arrayContaining([expect.stringMatching(/^Consent/), 'Document opened', 'One-time code verified', expect.stringMatching(/^Signed by Zoë Nguyen/)]));

    // The customer downloads the sealed copy; the status page lists it.
    const copy = await fetch(`${link.url}/signed.pdf`);
    expect(copy.status).toBe(200);
    expect(copy.headers.get('content-type')).toBe('application/pdf');
    // …and is texted a link of its own to it, once.
    const copyText = await eventually('the signed copy texted', async () => s.fake.sends().find((m) => m.text.includes('/signed.pdf'))?.text);
    expect(copyText).toContain('Harbor Collision: thank you for signing. Your signed copy of the repair authorization for RO');
    const texted = await fetch(/(https?:\/\/\S+\/signed\.pdf)/.exec(copyText)![1]!);
    expect(texted.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await texted.arrayBuffer())).digest('hex')).toBe(row.sealed_blob_hash);
    expect(s.fake.sends().filter((m) => m.text.includes('/signed.pdf'))).toHaveLength(1);
    const status = await page(link.url.replace(/\/sign\/.*$/, ''));
    expect(status.text).toContain('To sign');
    expect(status.text).toContain('Repair authorization (signed copy, PDF)');

    // The evidence is in the RO's hash-chained audit trail, on the desk too.
    const audit = await eventually('the audit events on the desk', async () => {
      const rows = await s.desk.store.db.selectFrom('audit_events').select(['action', 'actor', 'detail']).where('ro_id', '=', s.ro.id).execute();
      return rows.some((r) => r.action === 'esign-sealed') ? rows : undefined;
    });
    const actions = audit.map((a) => a.action);
    for (const action of ['esign-sent', 'esign-consent', 'esign-opened', 'esign-code-sent', 'esign-code-verified', 'esign-signed', 'esign-sealed']) expect(actions).toContain(action);
    const signedEvent = audit.find((a) => a.action === 'esign-signed')!;
    expect(signedEvent.detail).toContain(made.sha256);
    expect(signedEvent.detail).toContain(UA);
    expect(signedEvent.detail).toContain(DISCLOSURE_VERSION);
    expect(audit.find((a) => a.action === 'esign-code-sent')!.detail).toContain('(512) ***-0147');

    // The code never reaches a log line, nor a synced row.
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.join('')).not.toContain(code);
    const everything = JSON.stringify(await s.desk.store.db.selectFrom('signature_requests').selectAll().execute()) + JSON.stringify(await s.desk.store.db.selectFrom('messages').selectAll().execute());
    expect(everything).not.toContain(`is ${code}`);
  }, 90_000);

  it('refuses a replayed signing request: one signature, one sealed copy', async () => {
    const r = await ready();
    await post(`${r.base}/code`);
    const body = { intent: INTENT, code: lastCode(s.fake)!, signerName: 'Zoë Nguyen', method: 'typed' };
    expect((await post(`${r.base}/sign`, body)).status).toBe(200);
    const replay = await post(`${r.base}/sign`, body);
    expect(replay.status).toBe(409);
    expect(replay.body.message).toBe('This document is already signed.');
    // A phone that chose Spanish reads why in Spanish.
    expect((await post(`${r.base}/sign`, body, 'bayline_lang=es')).body.message).toBe('Este documento ya está firmado.');
    await deskSees(s.desk, r.id, 'signed');
    const copies = await s.desk.store.db.selectFrom('attachments').select('id').where('signature_request_id', '=', r.id).where('kind', '=', 'signed-document').execute();
    expect(copies).toHaveLength(1);
  }, 60_000);

  it('locks the request after 5 wrong codes and tells the desk; a right code then does not help', async () => {
    const r = await ready();
    await post(`${r.base}/code`);
    const right = lastCode(s.fake)!;
    const wrong = right === '000000' ? '111111' : '000000';
    const answers: string[] = [];
    for (let i = 0; i < 5; i += 1) answers.push((await post(`${r.base}/sign`, { intent: INTENT, code: wrong, signerName: 'Zoë Nguyen', method: 'typed' })).body.message);
    expect(answers[0]).toContain('4 tries left');
    expect(answers[3]).toContain('1 try left');
    expect(answers[4]).toMatch(/locked/);
    const row = await deskSees(s.desk, r.id, 'locked');
    expect(row.state_detail).toMatch(/Locked after 5 wrong codes/);
    expect(row.locked_at).not.toBeNull();
    const late = await post(`${r.base}/sign`, { intent: INTENT, code: right, signerName: 'Zoë Nguyen', method: 'typed' });
    expect(late.status).toBe(409);
    expect((await page(r.base)).text).toContain('Too many wrong codes');
  }, 60_000);

  it('refuses an expired code; a new code works', async () => {
    const r = await ready();
    await post(`${r.base}/code`);
    const old = lastCode(s.fake)!;
    s.advance(11 * 60_000);
    const refused = await post(`${r.base}/sign`, { intent: INTENT, code: old, signerName: 'Zoë Nguyen', method: 'typed' });
    expect(refused).toMatchObject({ status: 400, body: { error: 'code-expired' } });
    expect((await post(`${r.base}/code`)).status).toBe(200);
    const fresh = lastCode(s.fake)!;
    expect((await post(`${r.base}/sign`, { intent: INTENT, code: fresh, signerName: 'Zoë Nguyen', method: 'typed' })).status).toBe(200);
    await deskSees(s.desk, r.id, 'signed');
  }, 60_000);

  it('a link for one repair cannot open or sign another repair\'s request', async () => {
    const a = await ready();
    const otherRo = await call<RepairOrderDetail>(s.desk, 'ro-check-in', checkIn({ customer: { firstName: 'Ada', lastName: 'Moss', mobile: '(512) 555-0199' }, vehicle: { vin: '2T1BURHE2JC074321', plate: 'ADA 199', year: 2018, make: 'Toyota', model: 'Corolla', color: 'White' } }));
    await settle(s.desk);
    const b = await makeRequest(s.desk, s.dataDir, otherRo.id);
    await linkFor(s.fake, b.id);
    const crossed = `${a.base.replace(/\/sign\/.*$/, '')}/sign/${b.id}`;
    expect((await page(crossed)).status).toBe(404);
    expect((await post(`${crossed}/consent`)).status).toBe(404);
    expect((await post(`${crossed}/sign`, { intent: INTENT, code: '123456', signerName: 'Zoë Nguyen', method: 'typed' })).status).toBe(404);
    expect((await fetch(`${crossed}/document.pdf`)).status).toBe(404);
    expect((await deskRequest(s.desk, b.id))?.state).toBe('sent');
  }, 60_000);

  it('refuses to sign version 1 once version 2 is out, and voids it', async () => {
    const v1 = await ready({ kind: 'supplement', title: 'Supplement approval', version: 1 });
    await ready({ kind: 'supplement', title: 'Supplement approval', version: 2 });
    const refused = await post(`${v1.base}/sign`, { intent: 'I agree to sign this supplement approval electronically', code: '123456', signerName: 'Zoë Nguyen', method: 'typed' });
    expect(refused).toMatchObject({ status: 409, body: { error: 'state-voided' } });
    const row = await deskSees(s.desk, v1.id, 'voided');
    expect(row.state_detail).toMatch(/Version 2 was issued/);
  }, 60_000);

  it('of two requests for the same version, the one the relay saw first stands and the other is voided', async () => {
    const first = await makeRequest(s.desk, s.dataDir, s.ro.id, { kind: 'betterment', title: 'Betterment acknowledgement', version: 1 });
    await deskSees(s.desk, first.id, 'sent');
    const second = await makeRequest(s.desk, s.dataDir, s.ro.id, { kind: 'betterment', title: 'Betterment acknowledgement', version: 1 });
    const voided = await deskSees(s.desk, second.id, 'voided');
    expect(voided.state_detail).toMatch(/Another desk made version 1 of this document first/);
    expect(voided.voided_by).toBe(first.id);
    expect((await deskRequest(s.desk, first.id))?.state).toBe('sent');
    expect(s.fake.sends().filter((t) => t.text.includes(`/sign/${second.id}`))).toHaveLength(0);
  }, 60_000);

  it('refuses a document whose bytes do not match the hash fixed when it was made', async () => {
    const r = await ready({ kind: 'pickup', title: 'Pickup sign-off', sha256: 'f'.repeat(64) });
    const refused = await post(`${r.base}/sign`, { intent: 'I agree to sign this pickup sign-off electronically', signerName: 'Zoë Nguyen', method: 'typed' });
    expect(refused).toMatchObject({ status: 409, body: { error: 'document-changed' } });
    expect((await deskRequest(s.desk, r.id))?.signed_at).toBeNull();
  }, 60_000);

  it('records a decline with its reason, and an expired request cannot be signed', async () => {
    const d = await ready({ kind: 'pickup', title: 'Pickup sign-off' });
    expect((await post(`${d.base}/decline`, { reason: '  ' })).body.error).toBe('no-reason');
    expect((await post(`${d.base}/decline`, { reason: 'The bumper still rattles.' })).status).toBe(200);
    expect((await deskSees(s.desk, d.id, 'declined')).decline_reason).toBe('The bumper still rattles.');

    const e = await ready({ kind: 'pickup', title: 'Pickup sign-off', version: 2, expiresAt: new Date(Date.now() + 60 * 60_000).toISOString() });
    s.advance(2 * 60 * 60_000);
    await s.f.relay.esign.scan(s.f.workspace.id);
    await deskSees(s.desk, e.id, 'expired');
    expect((await post(`${e.base}/sign`, { intent: 'I agree to sign this pickup sign-off electronically', signerName: 'Zoë Nguyen', method: 'typed' })).status).toBe(409);
  }, 60_000);

  it('withdrawal of consent is recorded for the desk, and signing stops until the customer agrees again', async () => {
    const r = await ready({ kind: 'custom', title: 'Rental car agreement' });
    const res = await fetch(`${r.base.replace(/\/sign\/.*$/, '')}/esign/withdraw`, { method: 'POST', headers: { accept: 'application/json', 'user-agent': UA } });
    expect(res.status).toBe(200);
    const withdrawn = await eventually('the withdrawal on the desk', async () =>
      s.desk.store.db.selectFrom('signature_consents').selectAll().where('customer_id', '=', s.ro.customer!.id).where('withdrawn_at', 'is not', null).executeTakeFirst(),
    );
    expect(withdrawn.withdrawn_user_agent).toBe(UA);
    const refused = await post(`${r.base}/sign`, { intent: 'I agree to sign "Rental car agreement" electronically', signerName: 'Zoë Nguyen', method: 'typed' });
    expect(refused).toMatchObject({ status: 403, body: { error: 'no-consent' } });
    expect((await page(r.base)).text).toContain('Before you sign electronically');
  }, 60_000);

  it('a Spanish reader is asked to sign, and thanked with the signed copy, in Spanish', async () => {
    // customers.language as check-in or the portal's switch sets it, on the relay's copy.
    const setLanguage = async (language: string | null) => {
      const store = await s.f.storage.workspaceStore(s.f.workspace.id);
      await store.write({ actor: 'system', action: 'test-language' }, (tx) => tx.update('customers', s.ro.customer!.id, { language }));
      await s.f.storage.announceChanges(s.f.workspace.id);
    };
    await setLanguage('es');
    try {
      const r = await ready();
      expect(r.link.text).toMatch(/^Harbor Collision le pide firmar la autorización de reparación de la orden \d+: http\S+\/sign\/\S+$/);
      const before = s.fake.sends().length;
      expect((await post(`${r.base}/code`)).status).toBe(200);
      const codeText = await eventually('the Spanish code text', async () => s.fake.sends().slice(before).find((m) => m.text.includes('código para firmar'))?.text);
      const code = /\b(\d{6})\b/.exec(codeText)![1]!;
      const signed = await post(`${r.base}/sign`, { intent: 'Acepto firmar electrónicamente esta autorización de reparación', code, signerName: 'Zoë Nguyen', method: 'typed' });
      expect(signed).toMatchObject({ status: 200, body: { ok: true } });
      const thanks = await eventually('the signed copy texted', async () => s.fake.sends().find((m) => m.text.includes(`/sign/${r.id}/signed.pdf`))?.text, 30_000);
      expect(thanks).toMatch(/^Harbor Collision: gracias por firmar\. Su copia firmada de la autorización de reparación de la orden \d+: http\S+\/signed\.pdf$/);
    } finally {
      await setLanguage(null);
    }
  }, 90_000);
});
