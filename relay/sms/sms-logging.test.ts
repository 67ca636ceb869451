// The relay's logs while it texts hold no Telnyx key, no phone number and no text a customer
// wrote, whatever happened (a genuine webhook, a forged one, a send, a refusal).
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { relayLoggerOptions } from '../server.js';
import { inboundEvent, postWebhook } from '../testing/fake-telnyx.js';
import { call, eventually } from '../testing/sync-fixture.js';
import { readTelnyxConfig } from './config.js';
import { SHOP_NUMBER, startTextingShop, type TextingShop, ZOE } from './testing.js';

describe('relay logs while texting', () => {
  let s: TextingShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
  });

  it('never carry the API key, the public key, phone numbers or what was texted', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    s = await startTextingShop('sqlite', { logger: { ...(relayLoggerOptions('debug') as object), stream } });
    const event = inboundEvent({ from: ZOE, to: SHOP_NUMBER, text: 'My secret gate code is 4471' });
    expect(await postWebhook(s.f.relay.url, s.fake.sign(event))).toBe(200);
    expect(await postWebhook(s.f.relay.url, { body: JSON.stringify(event), headers: { 'content-type': 'application/json' } })).toBe(401);
    await eventually('the text on the desk', async () => (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.length === 1);
    await call(s.desk, 'sms-send', { roId: s.ro.id, body: 'Pick up code 9921' });
    await eventually('the send', async () => s!.fake.sends().length === 1);
    s.fake.sendBehaviour = { kind: 'error', status: 422, code: '40310', title: 'Invalid to number' };
    await call(s.desk, 'sms-send', { roId: s.ro.id, body: 'Second text 5512' });
    await eventually('the refusal', async () => s!.fake.sends().length === 2);
    // Code that logs the settings or a webhook body by mistake still leaks nothing.
    const config = readTelnyxConfig({ TELNYX_API_KEY: s.fake.apiKey, TELNYX_PUBLIC_KEY: s.fake.publicKey })!;
    s.f.relay.app.log.info({ telnyx: config }, 'texting settings');
    s.f.relay.app.log.info({ payload: event.data.payload }, 'a webhook payload');
    await new Promise((r) => setTimeout(r, 200));

    // Each line is pino's JSON; its timestamp, process id and durations are digits that can hold a
    // short code by chance ("time":1796507992187 holds 9921), so they are left out of the search.
    const all = lines.map((line) => JSON.stringify({ ...JSON.parse(line), time: undefined, pid: undefined, responseTime: undefined })).join('\n');
    expect(all).toContain('texting settings');
    expect(all).toContain('/webhooks/telnyx');
    // What was texted is searched for by its words: a four-digit code alone can turn up in an id by chance.
    for (const secret of [s.fake.apiKey, s.fake.publicKey, ZOE, SHOP_NUMBER, '5125550147', 'secret gate code is 4471', 'Pick up code 9921', 'Second text 5512']) {
      expect(all, `log holds ${secret}`).not.toContain(secret);
    }
  });
});
