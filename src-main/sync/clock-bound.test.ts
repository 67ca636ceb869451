// The mutation layer with bounded clocks, on real desk SQLite files: a stamp from the future is
// refused by a node that must refuse it (the relay's pushes) and moves no clock anywhere; a desk
// whose clock ran ahead rewrites its own unsent stamps once the clock is right, keeping their
// order, node and uniqueness, never touching what it pushed, and the cells follow the log.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatStamp, MAX_CLOCK_AHEAD_MS, millisOfStamp, nodeOfStamp, parseStamp } from '../../src-shared/sync/hlc.js';
import { ClockAheadError } from '../../src-shared/sync/store.js';
import { openWorkspaceDb, type WorkspaceDb } from '../db/workspace-db.js';
import { tempDir } from '../testing/temp-desk.js';

const DAY = 86_400_000;
const opened: WorkspaceDb[] = [];
async function node(now?: () => number, file = path.join(tempDir(), 'shop.sqlite')): Promise<WorkspaceDb> {
  const w = await openWorkspaceDb(file, { now });
  opened.push(w);
  return w;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((w) => w.close()));
});
const wire = (changes: Array<{ seq: number }>) => changes.map(({ seq: _seq, ...c }) => c);
const firstName = (w: WorkspaceDb, id: string) => (w.sqlite.prepare('SELECT first_name FROM customers WHERE id = ?').get(id) as { first_name: string }).first_name;
const cellStamp = (w: WorkspaceDb, id: string) =>
  (w.sqlite.prepare("SELECT stamp FROM cell_stamps WHERE tbl = 'customers' AND row_id = ? AND col = 'first_name'").get(id) as { stamp: string }).stamp;

describe('bounded clocks in the store', () => {
  it('a node that refuses stamps from the future writes nothing of the batch; one that applies them is not moved by them', async () => {
    const relay = await node();
    const desk = await node();
    const onTime = { table: 'customers', row: 'c1', column: 'last_name', value: 'Silva', stamp: formatStamp({ millis: Date.now(), counter: 0, node: 'aaaaaaaaaaaaaaaa' }) };
    const ahead = { ...onTime, column: 'first_name', value: 'Ana', stamp: formatStamp({ millis: Date.now() + DAY, counter: 0, node: 'aaaaaaaaaaaaaaaa' }) };
    const refusal = relay.store.applyRemote([onTime, ahead], { refuseAhead: true });
    await expect(refusal).rejects.toThrow(ClockAheadError);
    await expect(relay.store.applyRemote([ahead], { refuseAhead: true })).rejects.toThrow(/^This PC's clock is 1 day ahead of the shop's relay; nothing from this batch was saved\./);
    expect(relay.sqlite.prepare('SELECT count(*) AS n FROM changes').get()).toEqual({ n: 0 });
    // Within the bound it is taken.
    const minuteAhead = { ...ahead, stamp: formatStamp({ millis: Date.now() + 60_000, counter: 0, node: 'aaaaaaaaaaaaaaaa' }) };
    await relay.store.applyRemote([onTime, minuteAhead], { refuseAhead: true });
    expect(firstName(relay, 'c1')).toBe('Ana');

    // A desk applies the relay's log as it is, but its clock stays its own.
    await desk.store.applyRemote([onTime, ahead]);
    expect(firstName(desk, 'c1')).toBe('Ana');
    expect(millisOfStamp(desk.store.clock.tick())).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('stamps already in the future in a database are counted at open and move no clock; their cells keep them', async () => {
    const file = path.join(tempDir(), 'shop.sqlite');
    const old = await node(() => Date.now() + 3 * DAY, file); // written before clocks were bounded, by a fast PC
    await old.store.write({ actor: 'system', action: 't' }, (tx) => tx.insert('customers', { id: 'c1', first_name: 'Future' }));
    const written = (await old.store.changesSince(0)).changes.length;
    await old.close();
    opened.splice(opened.indexOf(old), 1);

    const reopened = await node(undefined, file);
    expect(reopened.store.aheadAtOpen).toBe(written);
    const next = reopened.store.clock.tick();
    expect(millisOfStamp(next)).toBeLessThanOrEqual(Date.now());
    // An edit made now loses to the future stamp until real time passes it (documented).
    await reopened.store.write({ actor: 'system', action: 't' }, (tx) => tx.update('customers', 'c1', { first_name: 'Now' }));
    expect(firstName(reopened, 'c1')).toBe('Future');
  });

  it('rewrites only its own unsent stamps that run ahead, in order and unique, and the cells take the winners of the log', async () => {
    let fastBy = 2 * DAY;
    const desk = await node(() => Date.now() + fastBy);
    const other = await node();
    // Before the clock went wrong the desk made a customer, and pushed it (cursor after it).
    fastBy = 0;
    await desk.store.write({ actor: 'system', action: 't' }, (tx) => tx.insert('customers', { id: 'c1', first_name: 'Ana', last_name: 'Silva' }));
    await desk.store.write({ actor: 'system', action: 't' }, (tx) => tx.insert('customers', { id: 'c2', first_name: 'Bo' }));
    const pushed = await desk.store.changesSince(0, { limit: 10_000 });
    await other.store.applyRemote(wire(pushed.changes));
    // Then its clock ran two days fast: three edits, one after the other.
    fastBy = 2 * DAY;
    for (const name of ['Anna', 'Annie', 'Ann']) {
      await desk.store.write({ actor: 'system', action: 't' }, (tx) => tx.update('customers', 'c1', { first_name: name }));
    }
    await desk.store.write({ actor: 'system', action: 't' }, (tx) => tx.update('customers', 'c2', { first_name: 'Bob' }));
    const queued = (await desk.store.changesSince(pushed.cursor, { limit: 10_000 })).changes;
    // Meanwhile, later in real time, the other desk renames c1; the fast desk pulls it and keeps its own (future) value.
    await new Promise((r) => setTimeout(r, 5));
    await other.store.write({ actor: 'system', action: 't' }, (tx) => tx.update('customers', 'c1', { first_name: 'Anastasia' }));
    await desk.store.applyRemote(wire((await other.store.changesSince(0, { onlyNodes: [other.nodeId] })).changes));
    expect(firstName(desk, 'c1')).toBe('Ann');

    // The clock is fixed. The relay had measured it two days ahead.
    fastBy = 0;
    const before = new Map(queued.map((c) => [c.seq, c.stamp]));
    const n = await desk.store.restampAhead({ afterSeq: pushed.cursor, nodes: [desk.nodeId], offsetMs: 2 * DAY });
    expect(n).toBe(queued.length);

    const log = (await desk.store.changesSince(0, { limit: 10_000 })).changes;
    const after = log.filter((c) => before.has(c.seq));
    // Same sequence numbers, same order, node kept, all unique, each back by about two days, none ahead.
    expect(after.map((c) => c.seq)).toEqual(queued.map((c) => c.seq));
    const sortedBefore = [...queued].sort((x, y) => (x.stamp < y.stamp ? -1 : 1)).map((c) => c.seq);
    const sortedAfter = [...after].sort((x, y) => (x.stamp < y.stamp ? -1 : 1)).map((c) => c.seq);
    expect(sortedAfter).toEqual(sortedBefore);
    expect(new Set(log.map((c) => c.stamp)).size).toBe(log.length);
    for (const c of after) {
      expect(nodeOfStamp(c.stamp)).toBe(desk.nodeId);
      expect(parseStamp(before.get(c.seq)!).millis - parseStamp(c.stamp).millis).toBe(2 * DAY);
      expect(millisOfStamp(c.stamp)).toBeLessThanOrEqual(Date.now() + MAX_CLOCK_AHEAD_MS);
    }
    // What was pushed kept its stamps.
    expect(log.filter((c) => c.seq <= pushed.cursor).map((c) => c.stamp)).toEqual(pushed.changes.map((c) => c.stamp));
    // The other desk's later edit now wins here too; c2 keeps this desk's own last edit.
    expect(firstName(desk, 'c1')).toBe('Anastasia');
    expect(firstName(desk, 'c2')).toBe('Bob');
    expect(cellStamp(desk, 'c2')).toBe(after.find((c) => c.row === 'c2' && c.column === 'first_name')!.stamp);
    // Its next edit is stamped after everything it kept, at real time, and wins.
    await desk.store.write({ actor: 'system', action: 't' }, (tx) => tx.update('customers', 'c1', { first_name: 'Ana' }));
    expect(firstName(desk, 'c1')).toBe('Ana');
    expect(millisOfStamp(cellStamp(desk, 'c1'))).toBeLessThanOrEqual(Date.now());
    // Nothing is left to rewrite.
    expect(await desk.store.restampAhead({ afterSeq: pushed.cursor, nodes: [desk.nodeId], offsetMs: 2 * DAY })).toBe(0);
  });

  it('without a measured offset, the newest stamp lands on now and none stays ahead', async () => {
    let fastBy = 3 * DAY;
    const desk = await node(() => Date.now() + fastBy);
    await desk.store.write({ actor: 'system', action: 't' }, (tx) => tx.insert('customers', { id: 'c1', first_name: 'Ana' }));
    fastBy = 0;
    await desk.store.restampAhead({ afterSeq: 0, nodes: [desk.nodeId], offsetMs: 0 });
    const log = (await desk.store.changesSince(0, { limit: 10_000 })).changes;
    expect(log.length).toBeGreaterThan(0);
    for (const c of log) expect(millisOfStamp(c.stamp)).toBeLessThanOrEqual(Date.now());
    expect(firstName(desk, 'c1')).toBe('Ana');
  });
});
