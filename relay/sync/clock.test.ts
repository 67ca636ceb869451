// Clocks that cannot run ahead, through the real relay on both engines: a desk whose PC clock is
// two days fast is told so in words and keeps its edit queued; once its clock is fixed the edit
// goes out re-stamped to when it was made, so the other desk's later edit of the same field wins
// everywhere, and the relay's log never holds a stamp from the future. The relay itself refuses
// a push stamped ahead of its clock, writes nothing, and keeps the session open.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail, SyncStatus } from '../../src-shared/domain.js';
import { formatStamp, MAX_CLOCK_AHEAD_MS, millisOfStamp } from '../../src-shared/sync/hlc.js';
import { bearer } from '../../src-shared/sync/protocol.js';
import type { Desk } from '../../src-main/desk.js';
import { issuePairingCode, redeem } from '../pairing.js';
import { relayLoggerOptions } from '../server.js';
import { RawSyncSocket } from '../testing/raw-sync-socket.js';
import { call, type Engine, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';

const DAY = 86_400_000;
const checkIn = (firstName: string, plate: string) => ({
  customer: { firstName, lastName: 'Okafor', mobile: '(512) 555-0123' },
  vehicle: { plate, make: 'Honda', model: 'Civic', year: 2021 },
  insurer: 'GEICO',
  claimNumber: `GE-${plate}`,
});

const status = (desk: Desk) => call<SyncStatus>(desk, 'sync-status', {});
const firstNameOn = async (desk: Desk, roId: string) => (await call<RepairOrderDetail>(desk, 'ro-get', { id: roId })).customer.firstName;

describe.each<Engine>(['sqlite', 'postgres'])('clocks that run ahead (%s)', (engine) => {
  let f: RelayFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  it("a desk two days fast keeps its edit until its clock is fixed; the other desk's later edit wins everywhere", async () => {
    f = await startRelayFixture(engine);
    let fastBy = 2 * DAY;
    const fast = (await f.pairNewDesk('Front desk', undefined, { now: () => Date.now() + fastBy })).desk;
    const right = (await f.pairNewDesk('Estimator')).desk;
    const relay = await f.storage.workspaceStore(f.workspace.id);

    // The fast desk is told in words as soon as it meets the relay.
    const told = await eventually('the fast desk to be told about its clock', async () => (await status(fast)).clock ?? undefined);
    expect(told).toBe("This PC's clock is 2 days ahead; fix the date and time in Windows. Changes made here wait on this PC until then.");
    expect((await status(right)).clock).toBeNull();

    // A car checked in on the correct desk reaches the fast one (pulling still works).
    const ro = await call<RepairOrderDetail>(right, 'ro-check-in', checkIn('Ben', 'CLK 1'));
    await eventually('the RO on the fast desk', async () => (await firstNameOn(fast, ro.id).catch(() => undefined)) === 'Ben');

    // The fast desk edits the name: it stays on this PC, counted as waiting, and never reaches the relay.
    await call(fast, 'customer-update', { id: ro.customer.id, firstName: 'Benjamin' });
    await new Promise((r) => setTimeout(r, 300)); // a push round and a clock check would have gone by
    const waiting = await status(fast);
    expect(waiting).toMatchObject({ online: true, clock: told });
    expect(waiting.actionsWaiting).toBe(1);
    const relayName = async () =>
      (await relay.db.selectFrom('customers').select('first_name').where('id', '=', ro.customer.id).executeTakeFirst())?.first_name;
    expect(await relayName()).toBe('Ben');

    // Later, on the correct desk, the same field is edited.
    await call(right, 'customer-update', { id: ro.customer.id, firstName: 'Benny' });
    await eventually('the relay to take the correct desk\'s edit', async () => (await relayName()) === 'Benny');
    await eventually('the fast desk to pull it', async () => {
      const pulled = await fast.db.selectFrom('changes').select('value').where('tbl', '=', 'customers').where('col', '=', 'first_name').execute();
      return pulled.some((c) => c.value === '"Benny"');
    });
    // Until its clock is fixed, the fast desk's own (future) stamp still holds the cell there.
    expect(await firstNameOn(fast, ro.id)).toBe('Benjamin');
    expect((await status(fast)).actionsWaiting).toBe(1);

    // The clock is fixed: the desk notices, re-stamps its waiting edit to when it was made and sends it.
    fastBy = 0;
    await eventually('the fast desk to send what waited', async () => {
      const s = await status(fast);
      return s.clock === null && s.changesWaiting === 0;
    });
    // The later edit wins everywhere: on the relay, on both desks.
    await eventually('every node to show the later edit', async () =>
      (await relayName()) === 'Benny' && (await firstNameOn(fast, ro.id)) === 'Benny' && (await firstNameOn(right, ro.id)) === 'Benny',
    );

    // Nothing was lost: the fast desk's edit is in the relay's log and its audit trail, before the later one.
    const log = (await relay.changesSince(0, { limit: 1_000_000 })).changes;
    const names = log.filter((c) => c.table === 'customers' && c.column === 'first_name' && c.row === ro.customer.id);
    const benjamin = names.find((c) => c.value === 'Benjamin');
    const benny = names.find((c) => c.value === 'Benny');
    expect(benjamin && benny && benjamin.stamp < benny.stamp).toBe(true);
    const trail = await relay.db.selectFrom('audit_events').select(['node', 'action', 'at']).where('node', '=', fast.store.nodeId).execute();
    expect(trail.map((e) => e.action)).toContain('customer-update');
    // Re-stamping moved stamps only: both desks' audit trails still verify.
    for (const desk of [fast, right]) expect((await call<{ ok: boolean }>(desk, 'audit-verify', {})).ok).toBe(true);

    // No stamp in the relay's log is more than the bound ahead of real time.
    const limit = Date.now() + MAX_CLOCK_AHEAD_MS;
    expect(log.filter((c) => millisOfStamp(c.stamp) > limit)).toEqual([]);
    // Both desks hold the same log as the relay.
    const keys = (changes: Array<{ stamp: string; table: string; row: string; column: string }>) =>
      changes.map((c) => `${c.stamp} ${c.table} ${c.row} ${c.column}`).sort();
    await eventually('both desks to hold the relay log', async () => {
      const want = JSON.stringify(keys((await relay.changesSince(0, { limit: 1_000_000 })).changes));
      for (const desk of [fast, right]) {
        if (JSON.stringify(keys((await desk.store.changesSince(0, { limit: 1_000_000 })).changes)) !== want) return false;
      }
      return true;
    });

    // The fixed desk's next edit is stamped at real time and wins as usual.
    await call(fast, 'customer-update', { id: ro.customer.id, firstName: 'Ben' });
    await eventually('the next edit everywhere', async () => (await relayName()) === 'Ben' && (await firstNameOn(right, ro.id)) === 'Ben');
  });

  it('an edit made right after the date is fixed comes after the edits made while it was wrong, everywhere', async () => {
    f = await startRelayFixture(engine);
    let fastBy = 2 * DAY;
    // This desk looks at its clock only once an hour: the edit below comes before any look.
    const fast = (await f.pairNewDesk('Front desk', undefined, { now: () => Date.now() + fastBy, syncOptions: { clockCheckMs: 3_600_000 } })).desk;
    const right = (await f.pairNewDesk('Estimator')).desk;
    const relay = await f.storage.workspaceStore(f.workspace.id);
    await eventually('the fast desk to be told', async () => (await status(fast)).clock !== null);
    const ro = await call<RepairOrderDetail>(right, 'ro-check-in', checkIn('Ben', 'CLK 2'));
    await eventually('the RO on the fast desk', async () => (await firstNameOn(fast, ro.id).catch(() => undefined)) === 'Ben');

    await call(fast, 'customer-update', { id: ro.customer.id, firstName: 'Benjamin' }); // while two days fast
    await new Promise((r) => setTimeout(r, 300)); // its push round has looked at the clock and held the edit back
    fastBy = 0; // the date is fixed; this desk has not looked at its clock since
    await call(right, 'customer-update', { id: ro.customer.id, firstName: 'Benny' }); // later, on a correct PC
    await eventually('the fast desk to pull it', async () => (await fast.db.selectFrom('changes').select('value').where('value', '=', '"Benny"').execute()).length > 0);
    await call(fast, 'customer-update', { id: ro.customer.id, firstName: 'Benji' }); // the last edit of all
    expect(await firstNameOn(fast, ro.id)).toBe('Benji');
    const relayName = async () =>
      (await relay.db.selectFrom('customers').select('first_name').where('id', '=', ro.customer.id).executeTakeFirst())?.first_name;
    await eventually('the last edit everywhere', async () => (await relayName()) === 'Benji' && (await firstNameOn(right, ro.id)) === 'Benji');
    const log = (await relay.changesSince(0, { limit: 1_000_000 })).changes;
    const stampOf = (name: string) => log.find((c) => c.column === 'first_name' && c.value === name)!.stamp;
    expect(stampOf('Benjamin') < stampOf('Benny') && stampOf('Benny') < stampOf('Benji')).toBe(true);
    expect(log.filter((c) => millisOfStamp(c.stamp) > Date.now() + MAX_CLOCK_AHEAD_MS)).toEqual([]);
  });

  it('stamps from the future already in the log (from before the bound) are reported at the first session and drag no clock', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    f = await startRelayFixture(engine, { logger: { ...(relayLoggerOptions('warn') as object), stream } });
    // Accepted before clocks were bounded: a desk three days fast renamed a customer.
    const old = await f.storage.workspaceStore(f.workspace.id);
    const legacy = { table: 'customers', row: 'c-old', column: 'first_name', value: 'Future', stamp: formatStamp({ millis: Date.now() + 3 * DAY, counter: 0, node: 'fa57fa57fa57fa57' }) };
    await old.applyRemote([legacy]);
    await f.restart();
    const desk = (await f.pairNewDesk('Front desk')).desk;
    const report = lines.map((l) => JSON.parse(l) as { msg: string; stamps?: number }).find((l) => /clock bound/.test(l.msg));
    expect(report).toMatchObject({ stamps: 1 });
    expect(report!.msg).toMatch(/their cells keep them until real time passes them/);
    // The desk took the shop's log as it is; neither its clock nor the relay's moved to the future.
    expect(desk.sqlite.prepare("SELECT first_name FROM customers WHERE id = 'c-old'").get()).toEqual({ first_name: 'Future' });
    expect(millisOfStamp(desk.store.clock.tick())).toBeLessThanOrEqual(Date.now() + 1);
    const relay = await f.storage.workspaceStore(f.workspace.id);
    await relay.write({ actor: 'relay', action: 'test' }, (tx) => tx.insert('customers', { id: 'c-new', first_name: 'Now' }));
    const stamps = (await relay.changesSince(0, { limit: 1_000_000 })).changes.filter((c) => c.row === 'c-new').map((c) => millisOfStamp(c.stamp));
    expect(Math.max(...stamps)).toBeLessThanOrEqual(Date.now() + 1);
    expect((await status(desk)).clock).toBeNull();
  });

  it('a desk whose clock is far behind is told so, and its edits still go out', async () => {
    f = await startRelayFixture(engine);
    const slow = (await f.pairNewDesk('Front desk', undefined, { now: () => Date.now() - 3 * 3_600_000 })).desk;
    const told = await eventually('the slow desk to be told', async () => (await status(slow)).clock ?? undefined);
    expect(told).toBe(
      "This PC's clock is 3 hours behind; fix the date and time in Windows, or changes made here can lose to older ones from other PCs.",
    );
    await call(slow, 'ro-check-in', checkIn('Ada', 'SLOW 1'));
    await eventually('the slow desk to send it', async () => (await status(slow)).changesWaiting === 0);
  });

  it('the relay refuses a push stamped ahead of its clock, writes nothing, says its time and keeps the session', async () => {
    f = await startRelayFixture(engine);
    const { code } = await issuePairingCode(f.storage, f.workspace.id);
    const paired = await redeem(f.storage, { code, deviceName: 'Script' });
    const socket = await RawSyncSocket.open(f.relay.url, bearer(paired.deviceId, paired.secret));
    const node = 'fa57fa57fa57fa57';
    const before = Date.now();
    socket.send({ t: 'hello', node, cursor: 0 });
    const { frame: welcome } = await socket.next<{ time: number }>((fr) => fr.t === 'welcome');
    expect(welcome.time).toBeGreaterThanOrEqual(before - 1000);
    expect(welcome.time).toBeLessThanOrEqual(Date.now() + 1000);

    const stamp = (millis: number, counter = 0) => formatStamp({ millis, counter, node });
    const onTime = { table: 'customers', row: 'c-clock', column: 'last_name', value: 'Okafor', stamp: stamp(Date.now()) };
    const ahead = { table: 'customers', row: 'c-clock', column: 'first_name', value: 'Jon', stamp: stamp(Date.now() + 2 * DAY) };
    socket.send({ t: 'push', id: 1, changes: [onTime, ahead] });
    const { frame: refused } = await socket.next<{ code: string; message: string; time: number }>((fr) => fr.t === 'error');
    expect(refused.code).toBe('clock-ahead');
    expect(refused.message).toMatch(/^This PC's clock is 2 days ahead of the shop's relay; nothing from this batch was saved\./);
    expect(Math.abs(refused.time - Date.now())).toBeLessThan(5000);
    const relay = await f.storage.workspaceStore(f.workspace.id);
    expect(await relay.db.selectFrom('changes').select('seq').where('row_id', '=', 'c-clock').execute()).toEqual([]);

    // Still open: a push within the bound (a clock a minute fast is fine) is taken.
    const minuteFast = { ...onTime, stamp: stamp(Date.now() + 60_000, 1) };
    socket.send({ t: 'push', id: 2, changes: [minuteFast] });
    expect((await socket.next((fr) => fr.t === 'pushed')).frame).toMatchObject({ id: 2, logged: 1, applied: 1 });
    expect(socket.closedWith).toBeNull();
    socket.ws.close();
  });
});

