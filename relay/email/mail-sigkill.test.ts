// Sending once when the relay dies: a real relay process (`relay/cli.ts serve`, configured through
// its environment like an operator would, its Gmail being the fake Google in this process) sends
// 50 replies a person approved at the desk; Gmail answers slowly, and the process is killed with
// SIGKILL once about 20 have reached Gmail. After a restart on the same storage, every approved
// reply is in Gmail's Sent folder exactly once (by its own Message-ID), and the desk shows each
// one 'sent' or 'check-needed' — never 'approved' or 'sending', never two copies.
//
// Why 'check-needed' can happen: the relay claims a reply (one row in `mail_sends`) before it asks
// Gmail. A process killed after the claim but before its request reached Gmail leaves a claim with
// no outcome. The restarted relay looks for that reply's Message-ID in Sent before anything else:
// found is 'sent' (the usual case here — the killed send was waiting for Gmail's slow answer), not
// found is 'check-needed' for a person, and it is never sent again on its own, since the relay
// cannot tell "never asked" from "asked, Gmail still working on it".
//
// With two relays on one PostgreSQL the same 50 replies are sent while the relay the desk pushes to
// is killed; the other one, never restarted, finishes them through the shared job queue: each reply
// in Sent once, the dead one's open claim looked for in Sent, nothing left waiting in the queue.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { bearer } from '../../src-shared/sync/protocol.js';
import { Desk } from '../../src-main/desk.js';
import { pairDesk } from '../../src-main/sync/pair.js';
import { readDevice } from '../../src-main/sync/device.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { issuePairingCode } from '../pairing.js';
import { checkIn } from '../sms/testing.js';
import { type FaultProxy, startFaultProxy } from '../testing/fault-proxy.js';
import { freePort, RELAY_START_MS, type RelayProcess, spawnRelay } from '../testing/relay-process.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { call, type Engine, eventually, newStorageLocation, openStorage } from '../testing/sync-fixture.js';
import { FakeGoogle } from './fake-google/fake-google.js';
import { MAIL_SEND_QUEUE } from './mail-service.js';
import { ADJUSTER, CLAIM, SHOP_MAILBOX } from './testing.js';

const REPLIES = 50;
const KILL_AFTER = 20;

const messageIdOf = (raw: string) => /^Message-ID: (<[^>]+>)\r?$/m.exec(raw)?.[1] ?? null;

type Cleanups = Array<() => Promise<void>>;

interface RepliesUnderWay {
  google: FakeGoogle;
  location: string;
  env: Record<string, string>;
  /** The relays; the desk is paired to the first. */
  relays: RelayProcess[];
  desk: Desk;
  approved: Array<{ id: string; email_message_id: string | null }>;
}

/**
 * A shop with a Gmail mailbox on `relayCount` relay processes sharing one storage, five adjuster
 * mails on a repair, and the owner's 50 approved replies on their way out to a slow Gmail.
 */
async function repliesUnderWay(engine: Engine, cleanups: Cleanups, relayCount: number, deskReaches?: (relay: RelayProcess) => Promise<string>): Promise<RepliesUnderWay> {
  const google = new FakeGoogle({ clientId: 'bayline-test.apps.googleusercontent.com', clientSecret: `GOCSPX-${randomBytes(8).toString('hex')}`, account: SHOP_MAILBOX });
  await google.start();
  cleanups.push(() => google.close());
  const { location, drop } = await newStorageLocation(engine);
  cleanups.push(drop);
  const setup = await openStorage(engine, location);
  const workspace = await setup.createWorkspace({ slug: 'lakeside', name: 'Lakeside Collision' });
  const { code } = await issuePairingCode(setup, workspace.id);
  await setup.close();

  const env = {
    GOOGLE_CLIENT_ID: google.options.clientId,
    GOOGLE_CLIENT_SECRET: google.options.clientSecret,
    GOOGLE_OAUTH_URL: google.endpoints.oauthUrl,
    GOOGLE_API_URL: google.endpoints.apiUrl,
    BAYLINE_MAIL_TOKEN_KEY: randomBytes(32).toString('hex'),
    BAYLINE_MAIL_POLL_MS: '200',
    BAYLINE_JOBS_MAINTENANCE_SECONDS: '2',
  };
  const relays: RelayProcess[] = [];
  for (let i = 0; i < relayCount; i++) {
    const relay = await spawnRelay(location, await freePort(), { env });
    relays.push(relay);
    cleanups.push(() => relay.kill());
  }
  const relay = relays[0]!;

  const dataDir = tempDir();
  await pairDesk({ dataDir, relayUrl: deskReaches ? await deskReaches(relay) : relay.url, code, deviceName: 'Front desk' });
  const desk = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 300, heartbeatMs: 1000 } });
  cleanups.push(() => desk.close());
  await desk.syncClient!.whenCaughtUp();
  await call(desk, 'staff-create', { name: 'Dana Whitfield', role: 'owner', pin: '2468' });
  const ownerId = (await call<Array<{ id: string; name: string }>>(desk, 'staff-list', {})).find((x) => x.name === 'Dana Whitfield')!.id;
  const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn({ claimNumber: CLAIM, adjusterName: 'Pat Adjuster', adjusterEmail: ADJUSTER }));

  // Connect the mailbox (the relay answers 403 until the owner has reached it by sync).
  const device = readDevice(dataDir)!;
  const started = await eventually('the relay to know the owner', async () => {
    const res = await fetch(new URL('/mail/gmail/start', relay.url), {
      method: 'POST',
      headers: { authorization: bearer(device.deviceId, device.secret), 'content-type': 'application/json' },
      body: JSON.stringify({ staffId: ownerId }),
    });
    return res.status === 200 && ((await res.json()) as { url: string });
  });
  expect(await (await fetch(started.url)).text()).toContain(`Connected as ${SHOP_MAILBOX}`);

  // Five adjuster mails on the repair; the person answers each ten times (50 approved replies).
  for (let i = 1; i <= 5; i++) google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM} — question ${i}`, text: `Question ${i}?` });
  const inbound = await eventually('the five mails on the repair', async () => {
    const mails = (await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id })).messages.filter((m) => m.channel === 'email' && m.direction === 'in');
    return mails.length === 5 && mails;
  }, 45_000);
  await eventually('the mailbox connected at the desk', async () => (await desk.db.selectFrom('mailboxes').select('state').executeTakeFirst())?.state === 'connected');
  const session = desk.newSession();
  expect(await desk.call('staff-switch', { staffId: ownerId, pin: '2468' }, session)).toMatchObject({ ok: true });

  google.faults.sendDelayMs = 60;
  for (let n = 0; n < REPLIES; n++) {
    const answered = inbound[n % 5]!;
    const out = await desk.call('mail-reply', { roId: ro.id, replyToId: answered.id, body: `Answer ${n + 1} to "${answered.email?.subject}".` }, session);
    expect(out.ok).toBe(true);
  }
  const approved = await desk.db.selectFrom('messages').select(['id', 'email_message_id']).where('channel', '=', 'email').where('direction', '=', 'out').execute();
  expect(approved).toHaveLength(REPLIES);

  return { google, location, env, relays, desk, approved };
}

/** Never two copies in Gmail, nothing Gmail got that the shop did not approve; each 'sent' reply in Sent exactly once. */
function expectEachSentOnce(google: FakeGoogle, approved: RepliesUnderWay['approved'], settled: Array<{ id: string; status: string | null; email_message_id: string | null; status_detail: string | null }>, openAtKill: number): { sent: number; checkNeeded: number } {
  const copies = new Map<string, number>();
  for (const s of google.sent) {
    const id = messageIdOf(s.raw);
    expect(id).not.toBeNull();
    copies.set(id!, (copies.get(id!) ?? 0) + 1);
  }
  expect([...copies.entries()].filter(([, n]) => n > 1)).toEqual([]);
  const approvedIds = new Set(approved.map((a) => a.email_message_id));
  expect([...copies.keys()].every((id) => approvedIds.has(id))).toBe(true);
  const sent = settled.filter((r) => r.status === 'sent');
  const checkNeeded = settled.filter((r) => r.status === 'check-needed');
  // Every 'sent' reply is in Sent exactly once; a 'check-needed' one is there at most once (none
  // expected: the check found nothing) and tells the person to look before writing it again.
  for (const r of sent) expect([r.id, copies.get(r.email_message_id!)]).toEqual([r.id, 1]);
  for (const r of checkNeeded) {
    expect(copies.get(r.email_message_id!) ?? 0).toBeLessThanOrEqual(1);
    expect(r.status_detail).toMatch(/Sent folder/);
  }
  expect(sent.length + checkNeeded.length).toBe(REPLIES);
  // Only a claim the kill left open can need a person.
  expect(checkNeeded.length).toBeLessThanOrEqual(openAtKill);
  expect(google.sent.length).toBe(sent.length + checkNeeded.filter((r) => copies.has(r.email_message_id!)).length);
  return { sent: sent.length, checkNeeded: checkNeeded.length };
}

/** Waits until every reply at the desk is 'sent' or 'check-needed'. */
async function settledAtDesk(desk: Desk, timeoutMs: number, relayOutput: () => string) {
  let last = '';
  return eventually('every reply sent or check-needed at the desk', async () => {
    const rows = await desk.db.selectFrom('messages').select(['id', 'status', 'email_message_id', 'status_detail']).where('channel', '=', 'email').where('direction', '=', 'out').execute();
    last = rows.map((r) => r.status).join(',');
    return rows.length === REPLIES && rows.every((r) => r.status === 'sent' || r.status === 'check-needed') && rows;
  }, timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}; states: ${last}; relay said: ${relayOutput().slice(-2000)}`);
  });
}

describe.each<Engine>(['sqlite', 'postgres'])('mail sent once under SIGKILL (%s)', (engine) => {
  let cleanups: Cleanups = [];
  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups = [];
  });

  it(`a relay killed in the middle of ${REPLIES} sends: after the restart each approved reply is in Gmail's Sent exactly once`, async () => {
    const { google, location, env, relays, desk, approved } = await repliesUnderWay(engine, cleanups, 1);
    let relay = relays[0]!;
    // Killed the hard way while Gmail is busy with the next one.
    await eventually(`${KILL_AFTER} sends at Gmail`, async () => google.sent.length >= KILL_AFTER, 30_000);
    await relay.kill();
    const atKill = google.sent.length;
    expect(atKill).toBeLessThan(REPLIES);
    // What the dead process left: claims with no outcome, whose mail Gmail usually has. At most
    // two: a relay sends from two places at once (the desk's change arriving, and the poll
    // round), each claiming a different reply.
    const look = await openStorage(engine, location);
    const open = await look.mail.openSends(new Date(Date.now() + 1000).toISOString());
    await look.close();
    expect(open.length).toBeLessThanOrEqual(2);

    relay = await spawnRelay(location, relay.port, { env });
    cleanups.push(() => relay.kill());
    // Every reply settles: sent, or (a claim that never reached Gmail) check-needed. On PostgreSQL
    // a dead process's claim is looked at once it is older than twice the send timeout (40 s).
    const settled = await settledAtDesk(desk, engine === 'postgres' ? 120_000 : 45_000, () => relay.output());
    // A few more of the relay's rounds: nothing goes out again.
    await new Promise((r) => setTimeout(r, 1000));
    const { sent, checkNeeded } = expectEachSentOnce(google, approved, settled, open.length);
    console.log(`[${engine}] killed after ${atKill} sends at Gmail (${open.length} claim left open); in the end ${sent} sent, ${checkNeeded} check-needed, ${google.sent.length} in Sent, none twice`);
  }, 2 * RELAY_START_MS + 200_000);
});

describe('mail with two relays on one PostgreSQL', () => {
  let cleanups: Cleanups = [];
  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups = [];
  });

  it(`the relay sending ${REPLIES} replies is killed; the other, never restarted, sends the rest, each once`, async () => {
    // The desk reaches the relays through one address, as behind a load balancer: the first relay,
    // then, once it is dead, the other.
    let balancer: FaultProxy | null = null;
    const { google, location, relays, desk, approved } = await repliesUnderWay('postgres', cleanups, 2, async (first) => {
      balancer = await startFaultProxy(first.port);
      cleanups.push(() => balancer!.close());
      return balancer.url;
    });
    const [doomed, survivor] = relays as [RelayProcess, RelayProcess];
    await eventually(`${KILL_AFTER} sends at Gmail`, async () => google.sent.length >= KILL_AFTER, 30_000);
    await doomed.kill();
    balancer!.sendTo(survivor.port);
    const atKill = google.sent.length;
    expect(atKill).toBeLessThan(REPLIES);
    const storage = await openPostgresStorage(location);
    cleanups.push(() => storage.close());
    // Claims with no outcome at the kill: the dead relay's (at most two, as above) and any the
    // survivor had on the wire at that moment (it works the same mailbox: at most two as well).
    const open = await storage.mail.openSends(new Date(Date.now() + 1000).toISOString());
    expect(open.length).toBeLessThanOrEqual(4);
    // The desk reconnects to the survivor, whose rounds find the approved replies and whose job
    // sends them; the dead one's open claim is looked for in Sent once older than twice the send timeout.
    const settled = await settledAtDesk(desk, 150_000, () => survivor.output());
    await new Promise((r) => setTimeout(r, 1000));
    const { sent, checkNeeded } = expectEachSentOnce(google, approved, settled, open.length);
    // Nothing waits in the queue: what the dead relay held runs out (its job is handed back on
    // expiry and then finds nothing to send), nothing new is queued for a mailbox with no mail.
    const counts = await storage.jobs.counts(MAIL_SEND_QUEUE);
    expect([counts.created ?? 0, counts.retry ?? 0]).toEqual([0, 0]);
    console.log(`[two relays] killed after ${atKill} sends at Gmail (${open.length} claim left open); the survivor finished: ${sent} sent, ${checkNeeded} check-needed, ${google.sent.length} in Sent, none twice; queue ${JSON.stringify(counts)}`);
  }, 2 * RELAY_START_MS + 250_000);
});
