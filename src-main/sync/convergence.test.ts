// Three desk cores edit the same workspace while mostly apart, then exchange changes with
// duplicates, shuffling and long offline stretches: they must end with identical tables.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { STAGES } from '../../src-shared/stages.js';
import { SYNCED_TABLES } from '../../src-shared/sync/tables.js';
import { searchIds } from '../search/search-index.js';
import { dumpSyncedTables, openTestDesk, type TestDesk } from '../testing/temp-desk.js';

const SYNCED = Object.keys(SYNCED_TABLES);
const NAMES = ['Ana', 'José', 'Zoë', 'Øyvind', 'Hương', 'Liam'];
const PLATES = ['ABC 123', 'XYZ 789', 'KLM 456', 'BAY 001'];
const DATES = ['2026-12-01', '2026-12-05', '2026-12-12'];

type Edit =
  | { kind: 'check-in'; name: number; plate: number }
  | { kind: 'move'; ro: number; stage: number }
  | { kind: 'promise'; ro: number; date: number }
  | { kind: 'rename'; ro: number; name: number }
  | { kind: 'note'; ro: number }
  | { kind: 'exception'; ro: number }
  | { kind: 'resolve'; ro: number }
  | { kind: 'settings'; name: number };

type Step =
  | { kind: 'edit'; node: number; edit: Edit; repeat: number }
  | { kind: 'deliver'; from: number; to: number; seed: number; duplicates: number };

const nat = (max: number) => fc.nat({ max });
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('check-in' as const), name: nat(5), plate: nat(3) }),
  fc.record({ kind: fc.constant('move' as const), ro: nat(20), stage: nat(7) }),
  fc.record({ kind: fc.constant('promise' as const), ro: nat(20), date: nat(2) }),
  fc.record({ kind: fc.constant('rename' as const), ro: nat(20), name: nat(5) }),
  fc.record({ kind: fc.constant('note' as const), ro: nat(20) }),
  fc.record({ kind: fc.constant('exception' as const), ro: nat(20) }),
  fc.record({ kind: fc.constant('resolve' as const), ro: nat(20) }),
  fc.record({ kind: fc.constant('settings' as const), name: nat(5) }),
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('edit' as const), node: nat(2), edit: editArb, repeat: fc.integer({ min: 1, max: 6 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('deliver' as const), from: nat(2), to: nat(2), seed: fc.integer(), duplicates: nat(5) }),
  },
);

async function applyEdit(d: TestDesk, edit: Edit, tick: number): Promise<void> {
  const board = await d.call('ro-board', { includeClosed: true });
  const ro = 'ro' in edit && board.length > 0 ? board[edit.ro % board.length]! : null;
  switch (edit.kind) {
    case 'check-in':
      await d.call('ro-check-in', {
        customer: { firstName: NAMES[edit.name]!, lastName: `Family${tick}`, mobile: `512555${String(1000 + tick).slice(-4)}` },
        vehicle: { plate: PLATES[edit.plate]!, make: 'Honda', model: 'Civic' },
        insurer: 'State Farm',
        claimNumber: `CLM-${tick}`,
        allowDuplicate: true,
      });
      return;
    case 'settings':
      await d.call('workspace-update', { name: `${NAMES[edit.name]} Collision` });
      return;
  }
  if (!ro) return;
  switch (edit.kind) {
    case 'move':
      await d.call('ro-move-stage', { id: ro.id, stage: STAGES[edit.stage]! });
      return;
    case 'promise':
      await d.call('ro-change-promised-date', { id: ro.id, date: DATES[edit.date]!, reason: `Parts delay ${tick}` });
      return;
    case 'rename': {
      const detail = await d.call('ro-get', { id: ro.id });
      await d.call('customer-update', { id: detail.customer.id, firstName: NAMES[edit.name]! });
      return;
    }
    case 'note':
      await d.call('note-add', { roId: ro.id, body: `Called customer (${tick})` });
      return;
    case 'exception':
      await d.call('exception-add', { roId: ro.id, tag: '#partsdelay' });
      return;
    case 'resolve': {
      const open = (await d.call('ro-get', { id: ro.id })).exceptions.find((e) => !e.resolvedAt);
      if (open) await d.call('exception-resolve', { id: open.id });
      return;
    }
  }
}

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

let desks: TestDesk[] = [];
afterEach(async () => {
  await Promise.all(desks.map((d) => d.close()));
  desks = [];
});

describe('three desks converge', () => {
  it('whatever the interleaving, duplicates and order of delivery', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 40 }), async (steps) => {
        await Promise.all(desks.map((d) => d.close()));
        desks = await Promise.all([0, 1, 2].map(() => openTestDesk()));
        // cursors[from][to]: how far `to` has read `from`'s log.
        const cursors = desks.map(() => desks.map(() => 0));
        let tick = 0;
        for (const step of steps) {
          if (step.kind === 'edit') {
            for (let r = 0; r < step.repeat; r++) await applyEdit(desks[step.node]!, step.edit, tick++);
          } else if (step.from !== step.to) {
            const from = desks[step.from]!.desk.store;
            const { changes, cursor } = await from.changesSince(cursors[step.from]![step.to]!, { limit: 100_000 });
            const batch = shuffle(changes, step.seed);
            // Some changes arrive twice, as a retried frame would.
            for (let k = 0; k < step.duplicates && batch.length > 0; k++) batch.push(batch[(((step.seed + k * 7) % batch.length) + batch.length) % batch.length]!);
            const wire = batch.map(({ seq: _seq, ...c }) => c);
            await desks[step.to]!.desk.store.applyRemote(wire);
            cursors[step.from]![step.to] = cursor;
          }
        }
        // Everyone comes back online: exchange until nothing new arrives.
        for (let round = 0; round < 3; round++) {
          for (const [i, from] of desks.entries()) {
            for (const [j, to] of desks.entries()) {
              if (i === j) continue;
              const { changes } = await from.desk.store.changesSince(0, { limit: 1_000_000 });
              await to.desk.store.applyRemote(changes.map(({ seq: _seq, ...c }) => c));
            }
          }
        }
        const [a, b, c] = desks.map((d) => dumpSyncedTables(d.desk, SYNCED));
        expect(b).toEqual(a);
        expect(c).toEqual(a);
        // The search index followed the remote changes too.
        for (const d of desks) {
          for (const ro of await d.call('ro-board', { includeClosed: true })) {
            expect(searchIds(d.desk.sqlite, 'ro', String(ro.roNumber), 50)).toContain(ro.id);
          }
        }
      }),
      { numRuns: 15 },
    );
  }, 240_000);
});
