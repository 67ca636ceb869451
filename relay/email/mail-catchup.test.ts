// Catching up after the relay was down, on both storage engines: 200 messages reach the shop's
// Gmail (the fake) while the relay is stopped — adjusters' mail naming the claim, answers in those
// threads, and mail that names nothing the shop knows. After the restart on the same storage every
// one of them is filed exactly once (on the repair, or unassigned), and the desk gets them all by
// sync. Then Google forgets the history id while more mail arrives: the full resync looks at recent
// mail again and still files nothing twice.
import { afterEach, describe, expect, it } from 'vitest';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import { ADJUSTER, CLAIM, type MailShop, SHOP_MAILBOX, startMailShop } from './testing.js';

const VENDORS = ['Parts Depot <sales@parts.example>', 'Paint Supply Co <orders@paintsupply.example>', 'Towing Partners <dispatch@tow.example>'];

describe.each<Engine>(['sqlite', 'postgres'])('mail catch-up (%s)', (engine) => {
  let s: MailShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  async function connect(shop: MailShop): Promise<void> {
    const started = await shop.post('/mail/gmail/start', { staffId: shop.ownerId });
    expect(started.status).toBe(200);
    const page = await fetch(((await started.json()) as { url: string }).url);
    expect(await page.text()).toContain(`Connected as ${SHOP_MAILBOX}`);
    await eventually('the mailbox connected at the desk', async () => (await shop.desk.db.selectFrom('mailboxes').select('state').executeTakeFirst())?.state === 'connected');
  }

  /** The relay's mail rows: how many per Gmail message id, and where each went. */
  async function relayMail(shop: MailShop) {
    const store = await shop.f.storage.workspaceStore(shop.f.workspace.id);
    const rows = await store.db.selectFrom('messages').select(['id', 'external_id', 'ro_id', 'subject']).where('channel', '=', 'email').execute();
    const perGmailId = new Map<string, number>();
    for (const r of rows) perGmailId.set(r.external_id ?? '', (perGmailId.get(r.external_id ?? '') ?? 0) + 1);
    return { rows, perGmailId };
  }

  /** A mix like a real morning's mail: claim mail, answers in those threads, vendors. */
  function arrive(shop: MailShop, count: number, label: string) {
    const delivered: Array<{ id: string; kind: 'claim' | 'thread' | 'unrelated' }> = [];
    const claimMails: string[] = [];
    for (let i = 0; i < count; i++) {
      const kind = i % 4 === 0 || claimMails.length === 0 ? 'claim' : i % 4 === 1 ? 'thread' : i % 4 === 2 ? 'unrelated' : 'claim';
      if (kind === 'claim') {
        const m = shop.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM} — note ${label}${i}`, text: `Note ${i} on the claim.` });
        claimMails.push(m.messageId);
        delivered.push({ id: m.id, kind });
      } else if (kind === 'thread') {
        // The insurer's office answers in an adjuster's thread: no claim number, another address.
        const parent = claimMails.at(-1)!;
        const m = shop.google.deliver({ from: 'Claims Office <office@statefarm.example>', subject: 'Re: your note', text: `Answer ${label}${i}.`, inReplyTo: parent, references: parent });
        delivered.push({ id: m.id, kind });
      } else {
        const m = shop.google.deliver({ from: VENDORS[i % VENDORS.length]!, subject: `Specials ${label}${i}`, text: 'This week only.' });
        delivered.push({ id: m.id, kind });
      }
    }
    return delivered;
  }

  it('a round that read the mailbox before its first cursor was set does not skip mail that arrived meanwhile', async () => {
    s = await startMailShop(engine, { pollMs: 600_000 });
    const shop = s;
    await connect(shop);
    const account = (await shop.f.storage.mail.connectedAccounts())[0]!;
    expect(account.cursor).not.toBeNull();
    shop.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM} — arrived right after connecting`, text: 'Hello.' });
    // A round that listed the mailbox while the sign-in had not stored its cursor yet (what a
    // slow sign-in and a timer's round racing look like), finishing now.
    const service = shop.f.relay.mail! as unknown as { pollMailbox(a: typeof account): Promise<void> };
    await service.pollMailbox({ ...account, cursor: null });
    await shop.f.relay.mail!.wake();
    const { rows } = await relayMail(shop);
    expect(rows.map((r) => r.subject)).toEqual([`Claim ${CLAIM} — arrived right after connecting`]);
  });

  it('200 messages that arrived while the relay was down are filed once each after the restart; an expired history id resyncs without duplicates', async () => {
    s = await startMailShop(engine, { pollMs: 200 });
    const shop = s;
    await connect(shop);
    await shop.f.relay.mail!.wake();

    await shop.f.stop();
    const first = arrive(shop, 200, 'a');
    expect(shop.google.messages()).toHaveLength(200);

    const restarted = Date.now();
    await shop.f.restart();
    const filed = await eventually('all 200 filed at the relay', async () => {
      const got = await relayMail(shop);
      return got.rows.length >= 200 && got;
    }, 60_000);
    const catchUpMs = Date.now() - restarted;
    // Exactly once: one row per Gmail message, and every delivered message has its row.
    expect(filed.rows).toHaveLength(200);
    expect([...filed.perGmailId.values()].every((n) => n === 1)).toBe(true);
    expect(first.every((d) => filed.perGmailId.get(d.id) === 1)).toBe(true);
    // Where they went: claim mail and its thread on the repair; vendors unassigned.
    const roOf = new Map(filed.rows.map((r) => [r.external_id, r.ro_id]));
    for (const d of first) expect([d.kind, roOf.get(d.id)]).toEqual([d.kind, d.kind === 'unrelated' ? null : shop.ro.id]);
    const unrelated = first.filter((d) => d.kind === 'unrelated').length;
    expect(unrelated).toBeGreaterThan(40);

    // The desk sees them through sync: on the repair, and in the unassigned inbox.
    await eventually('the desk to have all 200', async () => (await shop.desk.db.selectFrom('messages').select('id').where('channel', '=', 'email').execute()).length === 200, 30_000);
    const inbox = await call<Array<{ subject: string }>>(shop.desk, 'mail-inbox-list', {});
    expect(inbox).toHaveLength(unrelated);
    const onRepair = (await call<{ messages: Array<{ channel: string }> }>(shop.desk, 'ro-get', { id: shop.ro.id })).messages.filter((m) => m.channel === 'email');
    expect(onRepair).toHaveLength(200 - unrelated);

    // Google forgets the history id while 30 more arrive: the full resync sees the recent 200
    // (170 already filed) and files only the 30 new ones.
    shop.google.expireHistory();
    const second = arrive(shop, 30, 'b');
    const after = await eventually('the 30 new ones filed', async () => {
      const got = await relayMail(shop);
      return got.rows.length >= 230 && got;
    }, 30_000);
    await shop.f.relay.mail!.wake();
    await shop.f.relay.mail!.wake();
    const settled = await relayMail(shop);
    expect(settled.rows).toHaveLength(230);
    expect([...settled.perGmailId.values()].every((n) => n === 1)).toBe(true);
    expect(second.every((d) => after.perGmailId.get(d.id) === 1)).toBe(true);
    // The resync really happened (the relay saw the old ones again and skipped them).
    expect(shop.f.relay.mail!.filed.filter((f) => f.how === 'duplicate').length).toBeGreaterThanOrEqual(170);
    await eventually('the desk to have all 230', async () => (await shop.desk.db.selectFrom('messages').select('id').where('channel', '=', 'email').execute()).length === 230, 30_000);
    console.log(`[${engine}] caught up 200 messages in ${catchUpMs} ms after the restart`);
  }, 150_000);
});
