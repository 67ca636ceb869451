// Adding a synced table costs one declaration and one version entry: with a `loaner_cars` table
// (and a `customers.nickname` column) declared in the next version, the desk's SQLite, the relay's
// SQLite and the relay's PostgreSQL all get them, a row syncs desk → relay → second desk and a
// relay-made edit reaches the desks, and the released databases upgrade to that version in place.
// The real declaration is not touched: this file's process uses an extended copy of it.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useExtendedSchemaForTests } from '../../src-shared/schema/active.js';
import { index, integer, SYNCED_SCHEMA, table, text } from '../../src-shared/schema/declaration.js';
import { SCHEMA_VERSIONS } from '../../src-shared/schema/versions.js';
import type { SyncedTable } from '../../src-shared/sync/tables.js';
import type { Desk } from '../../src-main/desk.js';
import { describeReleaseUpgrades } from '../testing/release-fixtures.js';
import { missingColumns, postgresColumns, sqliteColumns, sqliteFileColumns } from '../testing/schema-columns.js';
import { eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { workspaceSchema } from '../storage/postgres.js';

// The one declaration and the one version entry (a real change would edit declaration.ts and
// versions.ts the same way), in the version after the newest one the product has.
const NEXT = SCHEMA_VERSIONS[SCHEMA_VERSIONS.length - 1]!.version + 1;
const declaration = {
  ...SYNCED_SCHEMA,
  customers: { ...SYNCED_SCHEMA.customers, columns: { ...SYNCED_SCHEMA.customers.columns, nickname: text(NEXT) } },
  loaner_cars: table(NEXT, { ro_id: text(NEXT), plate: text(NEXT), out_at: text(NEXT), miles: integer(NEXT) }, { indexes: { loaner_cars_ro: index(NEXT, 'ro_id') } }),
};
useExtendedSchemaForTests({ declaration, versions: [...SCHEMA_VERSIONS, { version: NEXT, name: 'loaner-cars' }] });

const LOANERS = 'loaner_cars' as SyncedTable;
type Loaner = { id: string; ro_id: string | null; plate: string | null; miles: number | string | null };

function loanersOn(desk: Desk): Loaner[] {
  return desk.sqlite.prepare('SELECT id, ro_id, plate, miles FROM loaner_cars ORDER BY id').all() as Loaner[];
}

describeReleaseUpgrades('v5');

describe.each(['sqlite', 'postgres'] as const)('a synced table added in the next version, relay on %s', (engine) => {
  let f: RelayFixture | undefined;
  afterEach(async () => {
    await f?.cleanup();
    f = undefined;
  });

  it('is on the desk, on the relay, and syncs both ways', async () => {
    f = await startRelayFixture(engine);
    const a = await f.pairNewDesk('Front desk');
    const b = await f.pairNewDesk('Estimator');

    // Every engine has the table and the column, at that version.
    expect(a.desk.sqlite.pragma('user_version', { simple: true })).toBe(NEXT);
    expect(missingColumns(declaration, sqliteColumns(a.desk.sqlite))).toEqual([]);
    const relayColumns =
      engine === 'sqlite'
        ? sqliteFileColumns(path.join(f.location, 'workspaces', `${f.workspace.id}.sqlite`))
        : await postgresColumns(f.location, workspaceSchema(f.workspace.id));
    expect(missingColumns(declaration, relayColumns)).toEqual([]);
    expect(relayColumns.loaner_cars).toEqual({ id: 'text', ro_id: 'text', plate: 'text', out_at: 'text', miles: 'integer' });

    // Desk A lends a car: the relay and desk B get it.
    const id = await a.desk.store.write({ actor: 'system', action: 'loaner-out' }, (tx) =>
      tx.insert(LOANERS, { ro_id: 'r1', plate: 'LOAN 1', out_at: '2026-12-04T09:00:00.000Z', miles: 12_000 } as never),
    );
    const relay = await f.storage.workspaceStore(f.workspace.id);
    await eventually('the loaner on the relay', async () =>
      (await relay.db.selectFrom(LOANERS).selectAll().execute()).some((r) => (r as { id: string }).id === id),
    );
    await eventually('the loaner on desk B', async () => loanersOn(b.desk).some((r) => r.id === id && r.plate === 'LOAN 1'));

    // The relay records the miles at return (and a nickname on a customer): both desks get them.
    await relay.write({ actor: 'relay', action: 'loaner-back' }, async (tx) => {
      await tx.update(LOANERS, id, { miles: 12_345 } as never);
      await tx.insert('customers', { first_name: 'Ana', nickname: 'Annie' } as never);
    });
    await f.storage.announceChanges(f.workspace.id);
    for (const desk of [a.desk, b.desk]) {
      await eventually('the returned miles on the desk', async () => loanersOn(desk).some((r) => r.id === id && r.miles === 12_345));
      await eventually('the nickname on the desk', async () => {
        const row = desk.sqlite.prepare("SELECT nickname FROM customers WHERE first_name = 'Ana'").get() as { nickname: string } | undefined;
        return row?.nickname === 'Annie';
      });
    }
  });
});

