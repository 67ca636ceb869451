// Mail catch-up after the relay was down, on SQLite and PostgreSQL: N messages (default 500;
// BENCH_MAIL_MESSAGES) reach the shop's Gmail — the fake Google of relay/email/fake-google/, talked
// to through the real googleapis SDK over 127.0.0.1 — while the relay is stopped; it is started
// again on the same storage and timed until every message is filed at the relay (one row each, on
// the repair or unassigned), then until the paired desk has them all by sync. Two baselines are
// measured in the same run on the same relay: the same Gmail reads with nothing filed (history
// list + one `messages.get` per message, the provider's own catch-up with a no-op filer), and the
// same number of workspace-store writes of one `messages` row each, audited on the repair as a
// filed mail is (nothing parsed or matched). BENCH_MAIL_ENGINES=sqlite (or postgres) limits the engines.
import { randomUUID } from 'node:crypto';
import { eventually } from '../relay/testing/sync-fixture.js';
import type { Engine } from '../relay/testing/sync-fixture.js';
import type { MailService } from '../relay/email/mail-service.js';
import type { MailProvider } from '../relay/email/provider.js';
import { ADJUSTER, CLAIM, type MailShop, SHOP_MAILBOX, startMailShop } from '../relay/email/testing.js';

export interface MailCatchUpEngineResult {
  engine: Engine;
  messages: number;
  /** Relay started again → every message filed at the relay. */
  fileSeconds: number;
  filedPerSecond: number;
  /** Relay started again → every message at the desk (sync included). */
  deskSeconds: number;
  /** The same Gmail reads with a filer that does nothing. */
  fetchPerSecond: number;
  /** The same number of audited store writes of one `messages` row each. */
  writesPerSecond: number;
  /** filed/s ÷ fetch/s and filed/s ÷ writes/s (below 1: slower than the baseline). */
  ratioToFetch: number;
  ratioToWrites: number;
}

export interface MailCatchUpBenchResult {
  engines: MailCatchUpEngineResult[];
  skipped: Array<{ engine: Engine; reason: string }>;
  seconds: number;
}

const MESSAGES = Number(process.env.BENCH_MAIL_MESSAGES ?? 500);
const ENGINES = (process.env.BENCH_MAIL_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[];
const VENDORS = ['Parts Depot <sales@parts.example>', 'Paint Supply Co <orders@paintsupply.example>', 'Towing Partners <dispatch@tow.example>'];

async function connect(shop: MailShop): Promise<void> {
  const started = await shop.post('/mail/gmail/start', { staffId: shop.ownerId });
  if (started.status !== 200) throw new Error(`connect: ${started.status} ${await started.text()}`);
  const page = await (await fetch(((await started.json()) as { url: string }).url)).text();
  if (!page.includes(`Connected as ${SHOP_MAILBOX}`)) throw new Error(`connect: ${page.slice(0, 200)}`);
}

/** A morning's mail: adjusters naming the claim, answers in their threads, vendors. */
function deliverMix(shop: MailShop, n: number): void {
  let lastClaim: string | null = null;
  for (let i = 0; i < n; i++) {
    const kind = i % 3;
    if (kind === 0 || !lastClaim) {
      lastClaim = shop.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM} — note ${i}`, text: `Note ${i} on the claim: supplement photos attached to the portal.\n\nPat` }).messageId;
    } else if (kind === 1) {
      shop.google.deliver({ from: 'Claims Office <office@statefarm.example>', subject: 'Re: your note', text: `Answer ${i}. Thanks, noted.`, inReplyTo: lastClaim, references: lastClaim });
    } else {
      shop.google.deliver({ from: VENDORS[i % VENDORS.length]!, subject: `Specials ${i}`, text: 'Bumpers 20% off this week only.', html: '<p>Bumpers <b>20% off</b> this week only.</p>' });
    }
  }
}

async function countMail(shop: MailShop): Promise<number> {
  const store = await shop.f.storage.workspaceStore(shop.f.workspace.id);
  const row = await store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('channel', '=', 'email').executeTakeFirstOrThrow();
  return Number(row.n);
}

async function runEngine(engine: Engine, log: (line: string) => void): Promise<MailCatchUpEngineResult> {
  const shop = await startMailShop(engine, { pollMs: 100 });
  try {
    await connect(shop);
    await shop.f.relay.mail!.wake();
    const account = (await shop.f.storage.mail.connectedAccounts())[0]!;
    const cursorBefore = account.cursor!;

    await shop.f.stop();
    deliverMix(shop, MESSAGES);
    const t0 = performance.now();
    await shop.f.restart();
    await eventually('all mail filed at the relay', async () => (await countMail(shop)) >= MESSAGES, 120_000);
    const fileSeconds = (performance.now() - t0) / 1000;
    await eventually('all mail at the desk', async () => {
      const rows = await shop.desk.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('channel', '=', 'email').executeTakeFirstOrThrow();
      return Number(rows.n) >= MESSAGES;
    }, 120_000);
    const deskSeconds = (performance.now() - t0) / 1000;
    const filed = await countMail(shop);
    if (filed !== MESSAGES) throw new Error(`${filed} rows for ${MESSAGES} messages`);

    // Baseline 1: the same reads from Gmail, nothing filed.
    const service = shop.f.relay.mail as MailService;
    const internals = service as unknown as { providers: Map<string, MailProvider>; options: { config: { vault: { open(sealed: string, aad: string): string } } } };
    const fresh = (await shop.f.storage.mail.findAccount(account.mailboxId))!;
    const secret = internals.options.config.vault.open(fresh.sealedToken!, fresh.mailboxId);
    const mailbox = internals.providers.get('gmail')!.open(secret);
    let fetched = 0;
    const f0 = performance.now();
    await mailbox.changesSince(cursorBefore, async () => {
      fetched += 1;
    });
    const fetchSeconds = (performance.now() - f0) / 1000;
    if (fetched < MESSAGES) throw new Error(`fetched ${fetched} of ${MESSAGES}`);

    // Baseline 2: as many store writes of one messages row, audited on the repair like a filed mail.
    const store = await shop.f.storage.workspaceStore(shop.f.workspace.id);
    const w0 = performance.now();
    for (let i = 0; i < MESSAGES; i++) {
      await store.write({ actor: 'relay', action: 'bench-write', summary: `Email: Bench ${i}`, roId: shop.ro.id }, async (tx) => {
        await tx.insert('messages', { id: `bench:${randomUUID()}`, ro_id: shop.ro.id, channel: 'email', direction: 'in', body: `Note ${i} on the claim.`, subject: `Bench ${i}`, at: new Date().toISOString(), status: 'received' });
      });
    }
    const writeSeconds = (performance.now() - w0) / 1000;

    const result: MailCatchUpEngineResult = {
      engine,
      messages: MESSAGES,
      fileSeconds,
      filedPerSecond: MESSAGES / fileSeconds,
      deskSeconds,
      fetchPerSecond: fetched / fetchSeconds,
      writesPerSecond: MESSAGES / writeSeconds,
      ratioToFetch: MESSAGES / fileSeconds / (fetched / fetchSeconds),
      ratioToWrites: MESSAGES / fileSeconds / (MESSAGES / writeSeconds),
    };
    const per = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;
    log(`  ${MESSAGES} messages waiting; relay started again → all filed ${fileSeconds.toFixed(2)} s = ${per(result.filedPerSecond)}; at the desk ${deskSeconds.toFixed(2)} s`);
    log(`  baseline Gmail reads only (history + messages.get, nothing filed): ${per(result.fetchPerSecond)} — catch-up is ${(1 / result.ratioToFetch).toFixed(1)}× its time`);
    log(`  baseline store writes (one messages row each, audited like a filed mail): ${per(result.writesPerSecond)} — catch-up is ${(1 / result.ratioToWrites).toFixed(1)}× their time`);
    return result;
  } finally {
    await shop.cleanup();
  }
}

export async function runMailCatchUpBench(options: { log?: (line: string) => void } = {}): Promise<MailCatchUpBenchResult> {
  const log = options.log ?? console.log;
  const started = performance.now();
  const engines: MailCatchUpEngineResult[] = [];
  const skipped: MailCatchUpBenchResult['skipped'] = [];
  for (const engine of ENGINES) {
    log(`\n[mail-catchup ${engine}] relay on ${engine}, Gmail = the fake Google through googleapis`);
    try {
      engines.push(await runEngine(engine, log));
    } catch (err) {
      const reason = (err as Error).message.slice(0, 200);
      log(`  skipped: ${reason}`);
      skipped.push({ engine, reason });
    }
  }
  return { engines, skipped, seconds: (performance.now() - started) / 1000 };
}

export function mailCatchUpSummaryLines(r: MailCatchUpBenchResult): string[] {
  const per = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;
  return [
    ...r.engines.map(
      (e) =>
        `  mail catch-up ${e.messages} messages ${e.fileSeconds.toFixed(2)} s = ${per(e.filedPerSecond)} (${e.engine}); ` +
        `time ratio to Gmail reads alone ${(1 / e.ratioToFetch).toFixed(1)}×, to audited store writes ${(1 / e.ratioToWrites).toFixed(1)}×`,
    ),
    ...r.skipped.map((s) => `  mail catch-up on ${s.engine}: skipped (${s.reason})`),
  ];
}
