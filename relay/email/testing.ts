// Test support for mail scenarios: a relay on either engine with the operator's Google app
// pointed at the fake Google (and, when asked, the Microsoft app at the fake Microsoft), a paired desk whose owner is switched in, and a repair with a
// claim number and an adjuster's address.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { Desk } from '../../src-main/desk.js';
import { readDevice } from '../../src-main/sync/device.js';
import { bearer } from '../../src-shared/sync/protocol.js';
import { call, type Engine, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { relayLoggerOptions } from '../server.js';
import { checkIn } from '../sms/testing.js';
import { hideMailSecrets } from './config.js';
import { FakeGoogle } from './fake-google/fake-google.js';
import { FakeMicrosoft } from './fake-microsoft/fake-microsoft.js';
import { TokenVault } from './token-vault.js';

/**
 * How long a push-driven test waits for mail at the desk. Polling is slowed to minutes in those
 * tests, so mail within this time came by push; how fast push is (the "within 2 s") is
 * measured by `npm run bench` (the `mail` part, p50/p99), not by a timed test on a busy machine.
 */
export const PUSH_DEADLINE_MS = 10_000;

export const SHOP_MAILBOX = 'shop@example.com';
export const ADJUSTER = 'pat.adjuster@statefarm.example';
export const CLAIM = 'SF-2291-7734';

export interface MailShop {
  f: RelayFixture;
  google: FakeGoogle;
  /** The fake Microsoft, when the shop was started with `microsoft: true`. */
  microsoft: FakeMicrosoft | null;
  desk: Desk;
  dataDir: string;
  ro: RepairOrderDetail;
  ownerId: string;
  /** POST to the relay as the paired desk. */
  post(path: string, body: unknown): Promise<Response>;
  cleanup(): Promise<void>;
}

/** The operator's Pub/Sub settings in tests with push (the fake's certs, under its OAuth URL). */
export const PUSH_TOPIC = 'projects/bayline-test/topics/gmail-push';
export const PUSH_SERVICE_ACCOUNT = 'gmail-push@bayline-test.iam.gserviceaccount.com';

export async function startMailShop(
  engine: Engine,
  options: { pollMs?: number; push?: boolean; logLines?: string[]; deviceCheckMs?: number; blobs?: boolean; microsoft?: boolean; automations?: import('../server.js').RelayOptions['automations'] } = {},
): Promise<MailShop> {
  const google = new FakeGoogle({ clientId: 'bayline-test.apps.googleusercontent.com', clientSecret: `GOCSPX-${randomBytes(8).toString('hex')}`, account: SHOP_MAILBOX });
  await google.start();
  const lines = options.logLines;
  const microsoft = options.microsoft
    ? new FakeMicrosoft({ clientId: '6731de76-14a6-49ae-97bc-6eba6914391e', clientSecret: `Bq8Q~${randomBytes(12).toString('base64url')}`, account: SHOP_MAILBOX })
    : null;
  await microsoft?.start();
  const f = await startRelayFixture(engine, {
    deviceCheckMs: options.deviceCheckMs,
    // The relay's own log settings (redaction included), written where the test reads them.
    ...(lines
      ? { logger: { ...(relayLoggerOptions('debug') as object), stream: new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }) } }
      : {}),
    blobs: options.blobs,
    automations: options.automations,
    mailConfig: hideMailSecrets({
      google: {
        clientId: google.options.clientId,
        clientSecret: google.options.clientSecret,
        oauthUrl: google.endpoints.oauthUrl,
        apiUrl: google.endpoints.apiUrl,
        push: options.push ? { topic: PUSH_TOPIC, serviceAccount: PUSH_SERVICE_ACCOUNT, audience: null, labelIds: ['INBOX', 'SENT'], certsUrl: null } : null,
      },
      microsoft: microsoft
        ? { clientId: microsoft.options.clientId, clientSecret: microsoft.options.clientSecret, tenant: 'common', authorityUrl: microsoft.endpoints.authorityUrl, graphUrl: microsoft.endpoints.graphUrl }
        : null,
      vault: new TokenVault(randomBytes(32)),
      pollMs: options.pollMs ?? 100,
    }),
  });
  // Google's Pub/Sub delivers to the relay's push URL, signing as the subscription's account.
  if (options.push) google.pushTo({ endpoint: `${f.relay.url}/mail/gmail/push`, serviceAccount: PUSH_SERVICE_ACCOUNT });
  const { desk, dataDir } = await f.pairNewDesk('Front desk');
  await call(desk, 'staff-create', { name: 'Dana Whitfield', role: 'owner', pin: '2468' });
  const ownerId = (await call<Array<{ id: string; name: string }>>(desk, 'staff-list', {})).find((s) => s.name === 'Dana Whitfield')!.id;
  const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn({ claimNumber: CLAIM, adjusterName: 'Pat Adjuster', adjusterEmail: ADJUSTER }));
  // The relay decides who may connect from the shop's data: wait until the owner has reached it.
  const relayStore = await f.storage.workspaceStore(f.workspace.id);
  await eventually('the owner and the repair at the relay', async () =>
    Boolean(await relayStore.db.selectFrom('staff').select('id').where('id', '=', ownerId).executeTakeFirst()) &&
    Boolean(await relayStore.db.selectFrom('repair_orders').select('id').where('id', '=', ro.id).executeTakeFirst()),
  );
  const device = readDevice(dataDir)!;
  return {
    f,
    google,
    microsoft,
    desk,
    dataDir,
    ro,
    ownerId,
    post: (path, body) =>
      fetch(new URL(path, f.relay.url), {
        method: 'POST',
        headers: { authorization: bearer(device.deviceId, device.secret), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    async cleanup() {
      await f.cleanup();
      await google.close();
      await microsoft?.close();
    },
  };
}

/**
 * A delivery-status notification as Gmail's mailer-daemon writes one: the words for a person, the
 * machine-readable part (Final-Recipient, Action, Status, Diagnostic-Code) and the returned copy
 * of the mail (message/rfc822) carrying its Message-ID.
 */
export function deliveryFailure(input: { to: string; failedAddress: string; originalMessageId: string; originalSubject: string; status?: string; diagnostic?: string; action?: 'failed' | 'delayed' }): string {
  const b = `dsn_${randomBytes(4).toString('hex')}`;
  return [
    'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
    `To: ${input.to}`,
    'Subject: Delivery Status Notification (Failure)',
    `Message-ID: <dsn-${randomBytes(4).toString('hex')}@mx.google.com>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; boundary="${b}"; report-type=delivery-status`,
    '',
    `--${b}`,
    'Content-Type: text/plain; charset=UTF-8',
    '',
    '** Address not found **',
    '',
    `Your message wasn't delivered to ${input.failedAddress} because the address couldn't be found.`,
    '',
    `--${b}`,
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; googlemail.com',
    '',
    `Final-Recipient: rfc822; ${input.failedAddress}`,
    `Action: ${input.action ?? 'failed'}`,
    `Status: ${input.status ?? '5.1.1'}`,
    `Diagnostic-Code: smtp; ${input.diagnostic ?? '550-5.1.1 The email account that you tried to reach does'}`,
    ' not exist.',
    '',
    `--${b}`,
    'Content-Type: message/rfc822',
    '',
    `From: <${input.to}>`,
    `To: <${input.failedAddress}>`,
    `Subject: ${input.originalSubject}`,
    `Message-ID: ${input.originalMessageId}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    '(the mail as sent)',
    '',
    `--${b}--`,
    '',
  ].join('\r\n');
}

/** Connects the shop's Gmail through the relay as the owner (the sign-in page approves at once); the mailbox id. */
export async function connectGmail(s: MailShop): Promise<string> {
  const started = await s.post('/mail/gmail/start', { staffId: s.ownerId });
  const { url } = (await started.json()) as { url: string };
  const page = await fetch(url);
  if (page.status !== 200) throw new Error(`The fake Google's sign-in answered ${page.status}`);
  return eventually('the mailbox at the desk', async () => (await s.desk.db.selectFrom('mailboxes').select('id').executeTakeFirst())?.id);
}
