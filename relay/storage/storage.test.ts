// The relay storage contract, run against both engines on real files and a real PostgreSQL:
// what the operator, the pairing route and the sync hub rely on, and on PostgreSQL what several
// relay processes sharing one database rely on (visibility, distinct node ids, announcements
// between processes, and a change log no cursor can step over while writers race).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StoredAuditEvent, verifyAuditChain } from '../../src-shared/sync/audit-chain.js';
import type { Change } from '../../src-shared/sync/change.js';
import { formatStamp } from '../../src-shared/sync/hlc.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import { SYNCED_TABLES } from '../../src-shared/sync/tables.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { postgresColumns, sqliteFileColumns } from '../testing/schema-columns.js';
import {
  POSTGRES_OPERATOR_MIGRATIONS,
  POSTGRES_WORKSPACE_MIGRATIONS,
  SQLITE_OPERATOR_MIGRATIONS,
  latestVersion,
  SQLITE_WORKSPACE_MIGRATIONS,
  StorageTooNewError,
  migratePostgres,
  migrateSqlite,
} from './migrations/index.js';
import { LISTEN_APPLICATION_NAME, openPostgresStorage, workspaceSchema } from './postgres.js';
import { openSqliteStorage } from './sqlite.js';
import { type RelayStorage, RelayStorageError } from './types.js';

type Engine = 'sqlite' | 'postgres';

// ---------------------------------------------------------------------------------------------
// Where a storage lives: a data folder or a PostgreSQL database, made fresh and removed after.

const folders: string[] = [];
const databases: TestDatabase[] = [];
const opened: RelayStorage[] = [];

async function newLocation(engine: Engine): Promise<string> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-relay-storage-'));
    folders.push(dir);
    return dir;
  }
  const db = await createTestDatabase();
  databases.push(db);
  return db.url;
}

/** One relay process's view of the storage at `location`. */
async function openAt(engine: Engine, location: string): Promise<RelayStorage> {
  const storage = engine === 'sqlite' ? await openSqliteStorage(location) : await openPostgresStorage(location);
  opened.push(storage);
  return storage;
}

async function closeAll(): Promise<void> {
  await Promise.all(opened.splice(0).map((s) => s.close()));
}

afterEach(closeAll);
afterAll(async () => {
  await closeAll();
  await Promise.all(databases.splice(0).map((d) => d.drop()));
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function pgQuery<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

const uniqueSlug = (base: string) => `${base}-${randomBytes(3).toString('hex')}`;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

async function expectCode(promise: Promise<unknown>, code: RelayStorageError['code']): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected a ${code} error`).toBeInstanceOf(RelayStorageError);
  expect((err as RelayStorageError).code).toBe(code);
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A batch of changes as another node would send them: one customer row per change, own stamps. */
function remoteBatch(node: string, millis: number, batch: number, size: number): Change[] {
  return Array.from({ length: size }, (_, i) => ({
    table: 'customers',
    row: `c-${node.slice(0, 4)}-${batch}-${i}`,
    column: 'first_name',
    value: `Name ${batch}.${i}`,
    stamp: formatStamp({ millis, counter: i, node }),
  }));
}

async function readAll(store: WorkspaceStore, pageSize: number) {
  const seen: { seq: number; stamp: string }[] = [];
  let cursor = 0;
  for (;;) {
    const page = await store.changesSince(cursor, { limit: pageSize });
    seen.push(...page.changes.map((c) => ({ seq: c.seq, stamp: c.stamp })));
    cursor = page.cursor;
    if (!page.more) return seen;
  }
}

async function auditOf(store: WorkspaceStore) {
  const events = (await store.db.selectFrom('audit_events').selectAll().execute()) as StoredAuditEvent[];
  const heads = Object.fromEntries(
    (await store.db.selectFrom('meta').selectAll().where('key', 'like', 'audit_head:%').execute()).map((r) => [
      r.key.slice('audit_head:'.length),
      Number(r.value),
    ]),
  );
  return { events, verification: verifyAuditChain(events, heads) };
}

/** Columns of the workspace's tables as the engine describes them: table → column → 'text' | 'integer' | 'real'. */
async function workspaceColumns(engine: Engine, location: string, workspaceId: string) {
  return engine === 'sqlite'
    ? sqliteFileColumns(path.join(location, 'workspaces', `${workspaceId}.sqlite`))
    : postgresColumns(location, workspaceSchema(workspaceId));
}

// ---------------------------------------------------------------------------------------------

describe.each(['sqlite', 'postgres'] as const)('relay storage on %s', (engine) => {
  let location: string;
  beforeAll(async () => {
    location = await newLocation(engine);
  });
  const open = () => openAt(engine, location);

  describe('workspaces', () => {
    it('creates a workspace that is listed and found by id and by slug', async () => {
      const storage = await open();
      expect(storage.engine).toBe(engine);
      const slug = uniqueSlug('harbor-auto');
      const created = await storage.createWorkspace({ slug, name: '  Harbor Auto Body ' });
      expect(created).toMatchObject({ slug, name: 'Harbor Auto Body' });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(created.createdAt)).toBeGreaterThan(Date.now() - 60_000);

      expect(await storage.listWorkspaces()).toContainEqual(created);
      expect(await storage.findWorkspace(created.id)).toEqual(created);
      expect(await storage.findWorkspace(slug)).toEqual(created);
      expect(await storage.findWorkspace('no-such-shop')).toBeNull();
    });

    it('refuses a slug that is taken or malformed, and leaves no half-made workspace behind', async () => {
      const storage = await open();
      const slug = uniqueSlug('lakeside');
      await storage.createWorkspace({ slug, name: 'Lakeside Collision' });
      const before = await storage.listWorkspaces();

      await expectCode(storage.createWorkspace({ slug, name: 'Another Lakeside' }), 'slug-taken');
      for (const bad of ['A-shop', 'x', 'has space', '-dash-first', 'dash-last-', 'ü-umlaut', 'a'.repeat(49)]) {
        await expectCode(storage.createWorkspace({ slug: bad, name: 'Bad' }), 'invalid');
      }
      await expectCode(storage.createWorkspace({ slug: uniqueSlug('ok'), name: '   ' }), 'invalid');

      expect(await storage.listWorkspaces()).toEqual(before);
      if (engine === 'sqlite') {
        const files = fs.readdirSync(path.join(location, 'workspaces')).filter((f) => f.endsWith('.sqlite'));
        expect(files.sort()).toEqual(before.map((w) => `${w.id}.sqlite`).sort());
      } else {
        const schemas = await pgQuery<{ nspname: string }>(location, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ws\\_%'");
        expect(schemas.map((s) => s.nspname).sort()).toEqual(before.map((w) => workspaceSchema(w.id)).sort());
      }
    });

    it('two workspaces created at once with the same slug: exactly one wins', async () => {
      const storage = await open();
      const slug = uniqueSlug('race');
      const outcomes = await Promise.allSettled([
        storage.createWorkspace({ slug, name: 'First' }),
        storage.createWorkspace({ slug, name: 'Second' }),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const failed = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect((failed.reason as RelayStorageError).code).toBe('slug-taken');
      expect((await storage.listWorkspaces()).filter((w) => w.slug === slug)).toHaveLength(1);
    });

    it('writes the first settings through the store, attributed to the operator', async () => {
      const storage = await open();
      const slug = uniqueSlug('north-star');
      const ws = await storage.createWorkspace({ slug, name: 'North Star Collision' });
      const store = await storage.workspaceStore(ws.id);
      const settings = await store.db.selectFrom('workspace_settings').selectAll().execute();
      expect(settings).toHaveLength(1);
      expect(settings[0]).toMatchObject({
        id: 'workspace',
        name: 'North Star Collision',
        slug,
        time_zone: 'America/Chicago',
        ro_number_start: 1001, // a number on both engines (PostgreSQL BIGINT included)
      });
      // As changes in the log, so a desk that pairs receives them.
      const { changes } = await store.changesSince(0);
      expect(changes.filter((c) => c.table === 'workspace_settings').map((c) => c.column).sort()).toEqual(
        ['name', 'ro_number_start', 'slug', 'time_zone'],
      );
      const { events, verification } = await auditOf(store);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ actor: 'operator', action: 'workspace-create', node: store.nodeId, seq: 1 });
      expect(verification.ok).toBe(true);
    });

    it('a workspace store of an unknown workspace is refused', async () => {
      const storage = await open();
      await expectCode(storage.workspaceStore('00000000-0000-4000-8000-000000000000'), 'not-found');
      await expectCode(storage.workspaceStore('../../etc/passwd'), 'not-found');
    });

    it('keeps everything across a restart, and a restarted relay writes under a new node id', async () => {
      const first = await open();
      const ws = await first.createWorkspace({ slug: uniqueSlug('restart'), name: 'Restart Body Shop' });
      const firstNode = (await first.workspaceStore(ws.id)).nodeId;
      await first.close();

      const second = await open();
      expect(await second.findWorkspace(ws.id)).toEqual(ws);
      const store = await second.workspaceStore(ws.id);
      expect(store.nodeId).toMatch(/^[0-9a-f]{16}$/);
      expect(store.nodeId).not.toBe(firstNode);
      await store.write({ actor: 'relay', action: 'test' }, (tx) => tx.insert('customers', { id: 'c1', first_name: 'Dana' }));
      const { events, verification } = await auditOf(store);
      expect(events.map((e) => e.node).sort()).toEqual([firstNode, store.nodeId].sort());
      expect(verification.ok).toBe(true);
      // The clock resumed past what the earlier process stamped.
      const { changes } = await store.changesSince(0);
      const stamps = changes.map((c) => c.stamp);
      expect([...stamps].sort()).toEqual(stamps);
    });
  });

  describe('pairing codes', () => {
    it('a code pairs one device, once', async () => {
      const storage = await open();
      const ws = await storage.createWorkspace({ slug: uniqueSlug('pair'), name: 'Pair Shop' });
      const codeHash = sha(`code-${randomBytes(4).toString('hex')}`);
      await storage.createPairingCode({ workspaceId: ws.id, codeHash, expiresAt: minutesFromNow(15) });
      const now = new Date().toISOString();
      const device = await storage.redeemPairingCode({ codeHash, deviceId: 'device-one-0001', deviceName: 'Front desk', secretHash: sha('s1'), now });
      expect(device).toEqual({ id: 'device-one-0001', workspaceId: ws.id, name: 'Front desk', createdAt: now, lastSeenAt: null, revokedAt: null });

      await expectCode(
        storage.redeemPairingCode({ codeHash, deviceId: 'device-two-0002', deviceName: 'Back office', secretHash: sha('s2'), now }),
        'code-invalid',
      );
      expect((await storage.listDevices(ws.id)).map((d) => d.id)).toEqual(['device-one-0001']);
    });

    it('an expired code and an unknown code are refused alike', async () => {
      const storage = await open();
      const ws = await storage.createWorkspace({ slug: uniqueSlug('expiry'), name: 'Expiry Shop' });
      const codeHash = sha(`code-${randomBytes(4).toString('hex')}`);
      await storage.createPairingCode({ workspaceId: ws.id, codeHash, expiresAt: minutesFromNow(15) });
      const later = minutesFromNow(16);
      await expectCode(
        storage.redeemPairingCode({ codeHash, deviceId: 'device-late-001', deviceName: 'Late', secretHash: sha('s'), now: later }),
        'code-invalid',
      );
      await expectCode(
        storage.redeemPairingCode({ codeHash: sha('never-issued'), deviceId: 'device-unknown1', deviceName: 'X', secretHash: sha('s'), now: new Date().toISOString() }),
        'code-invalid',
      );
      expect(await storage.listDevices(ws.id)).toEqual([]);
      // Still valid before its expiry.
      const device = await storage.redeemPairingCode({ codeHash, deviceId: 'device-ontime1', deviceName: 'On time', secretHash: sha('s'), now: minutesFromNow(14) });
      expect(device.workspaceId).toBe(ws.id);
    });

    it('a code for an unknown workspace cannot be made', async () => {
      const storage = await open();
      await expectCode(
        storage.createPairingCode({ workspaceId: '00000000-0000-4000-8000-000000000000', codeHash: sha('x'), expiresAt: minutesFromNow(15) }),
        'not-found',
      );
    });
  });

  describe('devices', () => {
    async function pairedDevice(storage: RelayStorage, workspaceId: string, id: string, name: string) {
      const codeHash = sha(`code-${id}`);
      await storage.createPairingCode({ workspaceId, codeHash, expiresAt: minutesFromNow(15) });
      return storage.redeemPairingCode({ codeHash, deviceId: id, deviceName: name, secretHash: sha(`secret-${id}`), now: new Date().toISOString() });
    }

    it('finds, lists per workspace, touches and revokes devices', async () => {
      const storage = await open();
      const a = await storage.createWorkspace({ slug: uniqueSlug('dev-a'), name: 'A' });
      const b = await storage.createWorkspace({ slug: uniqueSlug('dev-b'), name: 'B' });
      const suffix = randomBytes(3).toString('hex');
      const front = await pairedDevice(storage, a.id, `front-${suffix}`, 'Front desk');
      const office = await pairedDevice(storage, a.id, `office-${suffix}`, 'Office');
      const other = await pairedDevice(storage, b.id, `other-${suffix}`, 'Other shop');

      expect(await storage.findDevice(front.id)).toEqual({ ...front, secretHash: sha(`secret-${front.id}`) });
      expect(await storage.findDevice('no-such-device')).toBeNull();
      expect((await storage.listDevices(a.id)).map((d) => d.id).sort()).toEqual([front.id, office.id].sort());
      expect((await storage.listDevices(b.id)).map((d) => d.id)).toEqual([other.id]);
      const all = (await storage.listDevices()).map((d) => d.id);
      expect(all).toEqual(expect.arrayContaining([front.id, office.id, other.id]));

      const seen = '2031-05-01T10:00:00.000Z';
      await storage.touchDevice(front.id, seen);
      await storage.touchDevice(front.id, '2031-04-01T10:00:00.000Z'); // a late report from a slower process
      expect((await storage.findDevice(front.id))?.lastSeenAt).toBe(seen);
      await expectCode(storage.touchDevice('no-such-device', seen), 'not-found');

      const revokedAt = '2031-05-02T09:30:00.000Z';
      expect(await storage.revokeDevice(office.id, revokedAt)).toMatchObject({ id: office.id, revokedAt });
      expect((await storage.revokeDevice(office.id, '2031-06-01T00:00:00.000Z')).revokedAt).toBe(revokedAt);
      expect((await storage.findDevice(office.id))?.revokedAt).toBe(revokedAt);
      expect((await storage.findDevice(front.id))?.revokedAt).toBeNull();
      await expectCode(storage.revokeDevice('no-such-device', revokedAt), 'not-found');
      // The hub's one read for all its desks: revoked and unknown ones are not live.
      expect([...(await storage.liveDevices([front.id, office.id, other.id, 'no-such-device', front.id]))].sort()).toEqual([front.id, other.id].sort());
      expect(await storage.liveDevices([])).toEqual(new Set());
    });
  });

  describe('blobs', () => {
    it('records blobs per workspace: a hash recorded for one shop is not found for another', async () => {
      const storage = await open();
      const a = await storage.createWorkspace({ slug: uniqueSlug('blob-a'), name: 'A' });
      const b = await storage.createWorkspace({ slug: uniqueSlug('blob-b'), name: 'B' });
      const hash = sha('photo of a bumper');
      const blob = { workspaceId: a.id, hash, sizeBytes: 5_000_000_000, mimeType: 'image/jpeg', createdAt: '2030-01-02T03:04:05.000Z' };
      await storage.recordBlob(blob);
      await storage.recordBlob({ ...blob, createdAt: '2030-02-02T03:04:05.000Z' }); // again: nothing changes
      expect(await storage.findBlob(a.id, hash)).toEqual(blob);
      expect(await storage.findBlob(b.id, hash)).toBeNull();
      await expectCode(storage.recordBlob({ ...blob, hash: 'not-a-hash' }), 'invalid');
      await expectCode(storage.recordBlob({ ...blob, workspaceId: '00000000-0000-4000-8000-000000000000' }), 'not-found');
    });
  });

  describe('workspace stores', () => {
    it('a write is logged and read back from a cursor, and stays in its own workspace', async () => {
      const storage = await open();
      const a = await storage.createWorkspace({ slug: uniqueSlug('store-a'), name: 'A' });
      const b = await storage.createWorkspace({ slug: uniqueSlug('store-b'), name: 'B' });
      const store = await storage.workspaceStore(a.id);
      expect(await storage.workspaceStore(a.id)).toBe(store); // opened once, then cached
      const start = (await store.changesSince(0)).cursor;

      await store.write({ actor: 'relay', action: 'customer-create' }, (tx) =>
        tx.insert('customers', { id: 'cust-1', first_name: 'Maria', last_name: 'Lopez', mobile: '+15125550100' }),
      );
      const page = await store.changesSince(start);
      expect(page.changes.filter((c) => c.table === 'customers').map((c) => [c.row, c.column, c.value]).sort()).toEqual([
        ['cust-1', 'first_name', 'Maria'],
        ['cust-1', 'last_name', 'Lopez'],
        ['cust-1', 'mobile', '+15125550100'],
      ]);
      // The rest is the write's audit event, logged like any other row.
      expect(page.changes.filter((c) => c.table !== 'customers').every((c) => c.table === 'audit_events')).toBe(true);
      expect(page.changes.every((c) => c.seq > start)).toBe(true);
      expect(page.cursor).toBe(page.changes[page.changes.length - 1]!.seq);
      expect((await store.changesSince(page.cursor)).changes).toEqual([]);

      await store.write({ actor: 'relay', action: 'customer-update' }, (tx) => tx.update('customers', 'cust-1', { mobile: '+15125550199' }));
      const next = await store.changesSince(page.cursor);
      expect(next.changes.filter((c) => c.table === 'customers')).toEqual([
        expect.objectContaining({ row: 'cust-1', column: 'mobile', value: '+15125550199' }),
      ]);

      const other = await storage.workspaceStore(b.id);
      expect(await other.db.selectFrom('customers').selectAll().execute()).toEqual([]);
      expect(other.nodeId).not.toBe(store.nodeId);
    });

    it('applying the same remote changes twice changes nothing the second time', async () => {
      const storage = await open();
      const ws = await storage.createWorkspace({ slug: uniqueSlug('idem'), name: 'Idempotent' });
      const store = await storage.workspaceStore(ws.id);
      const desk = 'a1b2c3d4e5f60718';
      const batch: Change[] = [
        ...remoteBatch(desk, 1_900_000_000_000, 1, 3),
        { table: 'repair_orders', row: 'ro-1', column: 'ro_number', value: 1001, stamp: formatStamp({ millis: 1_900_000_000_001, counter: 0, node: desk }) },
      ];
      expect(await store.applyRemote(batch)).toEqual({ received: 4, logged: 4, applied: 4 });
      const logLength = (await readAll(store, 1000)).length;
      expect(await store.applyRemote(batch)).toEqual({ received: 4, logged: 0, applied: 0 });
      expect((await readAll(store, 1000)).length).toBe(logLength);
      const ro = await store.db.selectFrom('repair_orders').selectAll().where('id', '=', 'ro-1').executeTakeFirst();
      expect(ro?.ro_number).toBe(1001);
      // An older edit of the same cell arriving late does not win.
      const older = { ...batch[0]!, value: 'Older', stamp: formatStamp({ millis: 1_800_000_000_000, counter: 0, node: desk }) };
      expect(await store.applyRemote([older])).toEqual({ received: 1, logged: 1, applied: 0 });
      const row = await store.db.selectFrom('customers').select('first_name').where('id', '=', batch[0]!.row).executeTakeFirst();
      expect(row?.first_name).toBe(batch[0]!.value);
    });

    it('keeps the log in order under concurrent writers: a reader following with a cursor misses nothing', async () => {
      const writerA = await open();
      // On PostgreSQL the second writer is another relay process; a SQLite folder has one process.
      const writerB = engine === 'postgres' ? await open() : writerA;
      const ws = await writerA.createWorkspace({ slug: uniqueSlug('order'), name: 'Order' });
      const [storeA, storeB] = [await writerA.workspaceStore(ws.id), await writerB.workspaceStore(ws.id)];
      const start = (await storeA.changesSince(0)).cursor;

      const rounds = 40;
      const size = 6;
      const written = new Set<string>();
      let writing = 2;
      const writeLoop = async (store: WorkspaceStore, node: string) => {
        for (let i = 0; i < rounds; i++) {
          const batch = remoteBatch(node, 1_900_000_000_000 + i, i, size);
          for (const c of batch) written.add(c.stamp);
          await store.applyRemote(batch);
        }
        writing -= 1;
      };
      // A desk-like follower: small pages, cursor always moved to what it was given.
      const followed: string[] = [];
      const follow = async () => {
        let cursor = start;
        for (;;) {
          const done = writing === 0;
          const page = await storeA.changesSince(cursor, { limit: 7 });
          followed.push(...page.changes.map((c) => c.stamp));
          cursor = page.cursor;
          if (done && !page.more) return;
          if (!page.more) await new Promise((r) => setImmediate(r));
        }
      };
      await Promise.all([writeLoop(storeA, '00000000000000aa'), writeLoop(storeB, '00000000000000bb'), follow()]);

      expect(written.size).toBe(2 * rounds * size);
      expect(followed.length).toBe(written.size);
      expect(new Set(followed)).toEqual(written);

      const all = (await readAll(storeB, 13)).filter((c) => c.seq > start);
      expect(all.map((c) => c.stamp).sort()).toEqual([...written].sort());
      for (let i = 1; i < all.length; i++) expect(all[i]!.seq).toBeGreaterThan(all[i - 1]!.seq);
    });
  });

  describe('announcements', () => {
    it('tells listeners that a workspace log grew, until they unsubscribe', async () => {
      const storage = await open();
      const heard: string[] = [];
      const stop = storage.onChangesAnnounced((id) => heard.push(id));
      const failing = storage.onChangesAnnounced(() => {
        throw new Error('a broken listener');
      });
      const quiet = console.error;
      console.error = () => {};
      try {
        await storage.announceChanges('11111111-1111-4111-8111-111111111111');
        await eventually(() => heard.length === 1, 'the announcement');
        stop();
        failing();
        await storage.announceChanges('22222222-2222-4222-8222-222222222222');
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        console.error = quiet;
      }
      expect(heard).toEqual(['11111111-1111-4111-8111-111111111111']);
    });
  });

  describe('schema', () => {
    it('has exactly the synced tables and columns of SYNCED_TABLES, plus the node bookkeeping', async () => {
      const storage = await open();
      const ws = await storage.createWorkspace({ slug: uniqueSlug('schema'), name: 'Schema' });
      const actual = await workspaceColumns(engine, location, ws.id);
      const expected: Record<string, Record<string, string>> = {
        changes: { seq: 'integer', stamp: 'text', tbl: 'text', row_id: 'text', col: 'text', value: 'text', node: 'text' },
        cell_stamps: { tbl: 'text', row_id: 'text', col: 'text', stamp: 'text' },
        meta: { key: 'text', value: 'text' },
      };
      for (const [table, def] of Object.entries(SYNCED_TABLES)) expected[table] = { id: 'text', ...def.columns };
      expect(actual).toEqual(expected);

      if (engine === 'postgres') {
        // Stamps compare byte-wise, as the clock's fixed-width strings are designed to.
        const collations = await pgQuery<{ table_name: string; collation_name: string | null }>(
          location,
          "SELECT table_name, collation_name FROM information_schema.columns WHERE table_schema = $1 AND column_name = 'stamp'",
          [workspaceSchema(ws.id)],
        );
        expect(collations.map((c) => [c.table_name, c.collation_name]).sort()).toEqual([
          ['cell_stamps', 'C'],
          ['changes', 'C'],
        ]);
      }
    });

    it('has a test for every migration (adding one means adding its test here)', () => {
      const versions = (list: readonly { version: number }[]) => list.map((m) => m.version);
      const [operator, workspace] =
        engine === 'sqlite'
          ? [SQLITE_OPERATOR_MIGRATIONS, SQLITE_WORKSPACE_MIGRATIONS]
          : [POSTGRES_OPERATOR_MIGRATIONS, POSTGRES_WORKSPACE_MIGRATIONS];
      // The latest of each is what the tests above check table by table and column by column;
      // the test below checks that an older workspace moves up to it with its rows.
      expect(versions(operator)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 18, 19]);
      expect(versions(workspace)).toEqual([1, 2, 3, 6, 7, 8, 9, 10]);
    });

    it('migration 2 (portal) keeps a version-1 workspace\'s rows and adds the portal tables', async () => {
      const insertRo = "INSERT INTO repair_orders (id, ro_number, promised_date) VALUES ('r1', 1042, '2026-12-01')";
      const readBack = 'SELECT id, ro_number, promised_date FROM repair_orders';
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'ws.sqlite'));
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 1)).toBe(1);
        db.prepare(insertRo).run();
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 2)).toBe(2);
        expect(db.prepare(readBack).get()).toEqual({ id: 'r1', ro_number: 1042, promised_date: '2026-12-01' });
        expect(db.prepare('SELECT count(*) AS n FROM portal_tokens').get()).toEqual({ n: 0 });
        db.close();
      } else {
        const client = new pg.Client({ connectionString: location });
        await client.connect();
        try {
          const schema = `ws_${randomBytes(16).toString('hex')}`;
          const options = { schema, versionTable: 'meta' as const, migrations: POSTGRES_WORKSPACE_MIGRATIONS, lockKey: '4242', label: 'workspace' };
          expect(await migratePostgres(client, { ...options, target: 1 })).toBe(1);
          await client.query(insertRo.replace('repair_orders', `${schema}.repair_orders`));
          expect(await migratePostgres(client, { ...options, target: 2 })).toBe(2);
          const rows = await client.query(readBack.replace('repair_orders', `${schema}.repair_orders`));
          expect(rows.rows).toEqual([{ id: 'r1', ro_number: '1042', promised_date: '2026-12-01' }]);
          expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.portal_tokens`)).rows).toEqual([{ n: 0 }]);
        } finally {
          await client.end();
        }
      }
    });

    it('migration 3 (texts) keeps a version-2 workspace\'s messages and adds the text columns and templates', async () => {
      const insert = "INSERT INTO messages (id, ro_id, channel, direction, body) VALUES ('m1', 'r1', 'portal', 'in', 'Hi')";
      const readBack = 'SELECT id, body, peer_number, approved_by FROM messages';
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'ws.sqlite'));
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 2)).toBe(2);
        db.prepare(insert).run();
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 3)).toBe(3);
        expect(db.prepare(readBack).get()).toEqual({ id: 'm1', body: 'Hi', peer_number: null, approved_by: null });
        expect(db.prepare('SELECT count(*) AS n FROM sms_templates').get()).toEqual({ n: 0 });
        db.close();
      } else {
        const client = new pg.Client({ connectionString: location });
        await client.connect();
        try {
          const schema = `ws_${randomBytes(16).toString('hex')}`;
          const options = { schema, versionTable: 'meta' as const, migrations: POSTGRES_WORKSPACE_MIGRATIONS, lockKey: '4243', label: 'workspace' };
          expect(await migratePostgres(client, { ...options, target: 2 })).toBe(2);
          await client.query(insert.replace('messages', `${schema}.messages`));
          expect(await migratePostgres(client, { ...options, target: 3 })).toBe(3);
          const rows = await client.query(readBack.replace('messages', `${schema}.messages`));
          expect(rows.rows).toEqual([{ id: 'm1', body: 'Hi', peer_number: null, approved_by: null }]);
          expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.sms_templates`)).rows).toEqual([{ n: 0 }]);
        } finally {
          await client.end();
        }
      }
    });

    it('migrations 6 and 7 (mail) keep a version-3 workspace\'s texts and add the mailboxes, the mail columns and the mail templates', async () => {
      const insert = "INSERT INTO messages (id, ro_id, channel, direction, body, peer_number) VALUES ('m1', 'r1', 'sms', 'in', 'Hi', '+15125550147')";
      const readBack = 'SELECT id, body, peer_number, subject, email_thread_id, body_html, email_attachments FROM messages';
      const expected = { id: 'm1', body: 'Hi', peer_number: '+15125550147', subject: null, email_thread_id: null, body_html: null, email_attachments: null };
      const mailbox = "INSERT INTO mailboxes (id, provider, address, state) VALUES ('mb1', 'gmail', 'shop@example.com', 'connected'); INSERT INTO email_templates (id, name, subject) VALUES ('t1', 'Photos', 'Photos for {claim_number}')";
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'ws.sqlite'));
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 3)).toBe(3);
        db.prepare(insert).run();
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 7)).toBe(7);
        expect(db.prepare(readBack).get()).toEqual(expected);
        db.exec(mailbox);
        expect(db.prepare('SELECT name, subject FROM email_templates').all()).toEqual([{ name: 'Photos', subject: 'Photos for {claim_number}' }]);
        expect(db.prepare('SELECT address, state FROM mailboxes').all()).toEqual([{ address: 'shop@example.com', state: 'connected' }]);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: location });
        await client.connect();
        try {
          const schema = `ws_${randomBytes(16).toString('hex')}`;
          const options = { schema, versionTable: 'meta' as const, migrations: POSTGRES_WORKSPACE_MIGRATIONS, lockKey: '4246', label: 'workspace' };
          expect(await migratePostgres(client, { ...options, target: 3 })).toBe(3);
          await client.query(insert.replace('messages', `${schema}.messages`));
          expect(await migratePostgres(client, { ...options, target: 7 })).toBe(7);
          expect((await client.query(readBack.replace('messages', `${schema}.messages`))).rows).toEqual([expected]);
          await client.query(mailbox.replace('mailboxes', `${schema}.mailboxes`).replace('email_templates', `${schema}.email_templates`));
          expect((await client.query(`SELECT name, subject FROM ${schema}.email_templates`)).rows).toEqual([{ name: 'Photos', subject: 'Photos for {claim_number}' }]);
          expect((await client.query(`SELECT address, state FROM ${schema}.mailboxes`)).rows).toEqual([{ address: 'shop@example.com', state: 'connected' }]);
        } finally {
          await client.end();
        }
      }
    });

    it('operator migration 3 (RO number blocks) keeps a version-2 relay\'s shops and desks and adds the blocks table', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const desk = "INSERT INTO devices (id, workspace_id, name, secret_hash, created_at) VALUES ('d1', 'w1', 'Front', 'h', '2026-11-01T00:00:00.000Z')";
      const block = (first: number) =>
        `INSERT INTO ro_number_blocks (workspace_id, first_number, last_number, kind, device_id, given_at) VALUES ('w1', ${first}, ${first + 49}, 'block', 'd1', '2026-11-02T00:00:00.000Z')`;
      const readBack = 'SELECT d.name, b.first_number, b.last_number FROM devices d JOIN ro_number_blocks b ON b.device_id = d.id';
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 2)).toBe(2);
        db.prepare(shop).run();
        db.prepare(desk).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 3)).toBe(3);
        db.prepare(block(1001)).run();
        expect(db.prepare(readBack).all()).toEqual([{ name: 'Front', first_number: 1001, last_number: 1050 }]);
        // A range is recorded once per shop.
        expect(() => db.prepare(block(1001)).run()).toThrow(/UNIQUE|PRIMARY/);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4244', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 2 })).toBe(2);
          await client.query(shop);
          await client.query(desk);
          expect(await migratePostgres(client, { ...options, target: 3 })).toBe(3);
          await client.query(block(1001));
          expect((await client.query(readBack)).rows).toEqual([{ name: 'Front', first_number: '1001', last_number: '1050' }]);
          await expect(client.query(block(1001))).rejects.toThrow(/duplicate key/);
        } finally {
          await client.end();
        }
      }
    });

    it('operator migrations 4 and 5 (mail) keep a version-3 relay\'s shops, add the mailbox records, and keep a Gmail history id as the cursor', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const account =
        "INSERT INTO mail_accounts (mailbox_id, workspace_id, provider, address, sealed_token, state, history_id, connected_by, connected_at, updated_at) VALUES ('mb1', 'w1', 'gmail', 'shop@example.com', 'v1.a.b.c', 'connected', '4242', 'staff:s1', '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z')";
      const readBack = 'SELECT w.name, a.address FROM workspaces w JOIN mail_accounts a ON a.workspace_id = w.id';
      const cursor = 'SELECT sync_cursor, push_id FROM mail_accounts';
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 3)).toBe(3);
        db.prepare(shop).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 4)).toBe(4);
        expect(db.prepare('SELECT count(*) AS n FROM mail_oauth_states').get()).toEqual({ n: 0 });
        db.prepare(account).run();
        expect(db.prepare(readBack).all()).toEqual([{ name: 'Kept', address: 'shop@example.com' }]);
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 5)).toBe(5);
        expect(db.prepare(cursor).all()).toEqual([{ sync_cursor: '4242', push_id: null }]);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4247', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 3 })).toBe(3);
          await client.query(shop);
          expect(await migratePostgres(client, { ...options, target: 4 })).toBe(4);
          expect((await client.query('SELECT count(*)::int AS n FROM mail_oauth_states')).rows).toEqual([{ n: 0 }]);
          await client.query(account);
          expect((await client.query(readBack)).rows).toEqual([{ name: 'Kept', address: 'shop@example.com' }]);
          expect(await migratePostgres(client, { ...options, target: 5 })).toBe(5);
          expect((await client.query(cursor)).rows).toEqual([{ sync_cursor: '4242', push_id: null }]);
        } finally {
          await client.end();
        }
      }
    });

    it('operator migration 8 (e-signature codes) keeps a version-6 relay\'s shops, keeps codes only hashed and lets one request stand per document version', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const code = "INSERT INTO esign_codes (workspace_id, request_id, code_hash, salt, sent_at, expires_at) VALUES ('w1', 'q1', 'ab12', 'salt', '2026-12-04T10:00:00.000Z', '2026-12-04T10:10:00.000Z')";
      const version = (request: string) => `INSERT INTO esign_versions (workspace_id, ro_id, kind, version, request_id, seen_at) VALUES ('w1', 'r1', 'supplement', 2, '${request}', '2026-12-04T10:00:00.000Z')`;
      const readBack = 'SELECT w.name, c.request_id, c.wrong_attempts, c.verified_at FROM workspaces w JOIN esign_codes c ON c.workspace_id = w.id';
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 6)).toBe(6);
        db.prepare(shop).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 8)).toBe(8);
        db.prepare(code).run();
        expect(db.prepare(readBack).all()).toEqual([{ name: 'Kept', request_id: 'q1', wrong_attempts: 0, verified_at: null }]);
        db.prepare(version('q1')).run();
        expect(() => db.prepare(version('q2')).run()).toThrow(/UNIQUE|PRIMARY/);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4249', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 6 })).toBe(6);
          await client.query(shop);
          expect(await migratePostgres(client, { ...options, target: 8 })).toBe(8);
          await client.query(code);
          expect((await client.query(readBack)).rows).toEqual([{ name: 'Kept', request_id: 'q1', wrong_attempts: '0', verified_at: null }]);
          await client.query(version('q1'));
          await expect(client.query(version('q2'))).rejects.toThrow(/duplicate key/);
        } finally {
          await client.end();
        }
      }
    });

    it('operator migration 9 (work providers) keeps a version-8 relay\'s shops, adds providers with unique e-mail addresses and indexes one repair once per provider', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const provider = "INSERT INTO work_providers (id, slug, name, created_at) VALUES ('p1', 'harbor-mutual', 'Harbor Mutual', '2026-12-04T10:00:00.000Z')";
      const user = (id: string) => `INSERT INTO provider_users (id, provider_id, email, name, role, created_at) VALUES ('${id}', 'p1', 'ana@harbor.example', 'Ana', 'admin', '2026-12-04T10:00:00.000Z')`;
      const repair = "INSERT INTO provider_repairs (provider_id, workspace_id, ro_id, ro_number, claim_key, plate_key, updated_at) VALUES ('p1', 'w1', 'r1', 1001, 'HM123', '7ABC123', '2026-12-04T10:00:00.000Z')";
      const readBack = "SELECT w.name AS shop, p.name AS provider, r.plate_key, r.ro_number FROM provider_repairs r JOIN workspaces w ON w.id = r.workspace_id JOIN work_providers p ON p.id = r.provider_id WHERE r.provider_id = 'p1' AND r.plate_key = '7ABC123'";
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 8)).toBe(8);
        db.prepare(shop).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 9)).toBe(9);
        db.prepare(provider).run();
        db.prepare(user('u1')).run();
        expect(() => db.prepare(user('u2')).run()).toThrow(/UNIQUE/);
        db.prepare(repair).run();
        expect(() => db.prepare(repair).run()).toThrow(/UNIQUE|PRIMARY/);
        expect(db.prepare(readBack).all()).toEqual([{ shop: 'Kept', provider: 'Harbor Mutual', plate_key: '7ABC123', ro_number: 1001 }]);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4249', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 8 })).toBe(8);
          await client.query(shop);
          expect(await migratePostgres(client, { ...options, target: 9 })).toBe(9);
          await client.query(provider);
          await client.query(user('u1'));
          await expect(client.query(user('u2'))).rejects.toThrow(/duplicate key/);
          await client.query(repair);
          await expect(client.query(repair)).rejects.toThrow(/duplicate key/);
          expect((await client.query(readBack)).rows).toEqual([{ shop: 'Kept', provider: 'Harbor Mutual', plate_key: '7ABC123', ro_number: '1001' }]);
        } finally {
          await client.end();
        }
      }
    });


    it('operator migration 11 (customer accounts) keeps a version-8 relay\'s shops, holds one account per shop and number, and sessions only by hash', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const account = (id: string) => `INSERT INTO customer_accounts (id, workspace_id, mobile, created_at) VALUES ('${id}', 'w1', '+15125550147', '2026-12-04T10:00:00.000Z')`;
      const code = "INSERT INTO customer_account_codes (id, workspace_id, mobile, code_hash, salt, sent_at, expires_at) VALUES ('c1', 'w1', '+15125550147', 'ab12', 'salt', '2026-12-04T10:00:00.000Z', '2026-12-04T10:10:00.000Z')";
      const lock = "INSERT INTO customer_account_lockouts (workspace_id, mobile) VALUES ('w1', '+15125550147')";
      const session = "INSERT INTO customer_account_sessions (id_hash, account_id, workspace_id, created_at, last_seen_at, expires_at) VALUES ('h1', 'a1', 'w1', '2026-12-04T10:00:00.000Z', '2026-12-04T10:00:00.000Z', '2027-01-03T10:00:00.000Z')";
      const readBack =
        'SELECT w.name, a.mobile, c.used_at, l.wrong_attempts, l.locked_until, s.id_hash, s.ended_at FROM workspaces w JOIN customer_accounts a ON a.workspace_id = w.id ' +
        'JOIN customer_account_codes c ON c.workspace_id = w.id JOIN customer_account_lockouts l ON l.workspace_id = w.id JOIN customer_account_sessions s ON s.account_id = a.id';
      const expected = { name: 'Kept', mobile: '+15125550147', used_at: null, locked_until: null, id_hash: 'h1', ended_at: null };
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 8)).toBe(8);
        db.prepare(shop).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 11)).toBe(11);
        for (const q of [account('a1'), code, lock, session]) db.prepare(q).run();
        expect(db.prepare(readBack).all()).toEqual([{ ...expected, wrong_attempts: 0 }]);
        expect(() => db.prepare(account('a2')).run()).toThrow(/UNIQUE/);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4249', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 8 })).toBe(8);
          await client.query(shop);
          expect(await migratePostgres(client, { ...options, target: 11 })).toBe(11);
          for (const q of [account('a1'), code, lock, session]) await client.query(q);
          expect((await client.query(readBack)).rows).toEqual([{ ...expected, wrong_attempts: '0' }]);
          await expect(client.query(account('a2'))).rejects.toThrow(/duplicate key/);
        } finally {
          await client.end();
        }
      }
    });


    it('operator migration 10 (provider API) keeps a version-9 relay\'s providers, keeps one outbox row per event and one delivery per event and endpoint', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const provider = "INSERT INTO work_providers (id, slug, name, created_at) VALUES ('p1', 'harbor-mutual', 'Harbor Mutual', '2026-12-04T10:00:00.000Z')";
      const key = (id: string) => `INSERT INTO provider_api_keys (id, provider_id, name, prefix, key_hash, scopes, created_by, created_at) VALUES ('${id}', 'p1', 'Claims', 'bkp_abcdefgh', 'h1', '["repairs:read"]', 'u1', '2026-12-04T10:00:00.000Z')`;
      const endpoint = "INSERT INTO provider_webhook_endpoints (id, provider_id, url, sealed_secret, created_by, created_at) VALUES ('e1', 'p1', 'https://claims.example/hook', 'v1.x.y.z', 'u1', '2026-12-04T10:00:00.000Z')";
      const event = "INSERT INTO provider_events (provider_id, id, workspace_id, ro_id, kind, seq, payload, occurred_at, created_at) VALUES ('p1', 'w1/stage_events/s1/stage-changed', 'w1', 'r1', 'stage-changed', 7, '{}', '2026-12-04T10:00:00.000Z', '2026-12-04T10:00:01.000Z')";
      const delivery = "INSERT INTO provider_deliveries (endpoint_id, event_id, provider_id, workspace_id, ro_id, seq, status, next_attempt_at, created_at) VALUES ('e1', 'w1/stage_events/s1/stage-changed', 'p1', 'w1', 'r1', 7, 'pending', '2026-12-04T10:00:01.000Z', '2026-12-04T10:00:01.000Z')";
      const readBack = "SELECT p.name AS provider, e.kind, d.status, d.attempts, k.prefix FROM provider_deliveries d JOIN provider_events e ON e.provider_id = d.provider_id AND e.id = d.event_id JOIN work_providers p ON p.id = d.provider_id JOIN provider_api_keys k ON k.provider_id = p.id";
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 9)).toBe(9);
        db.prepare(shop).run();
        db.prepare(provider).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 10)).toBe(10);
        db.prepare(key('k1')).run();
        expect(() => db.prepare(key('k2')).run()).toThrow(/UNIQUE/);
        db.prepare(endpoint).run();
        db.prepare(event).run();
        expect(() => db.prepare(event).run()).toThrow(/UNIQUE|PRIMARY/);
        db.prepare(delivery).run();
        expect(() => db.prepare(delivery).run()).toThrow(/UNIQUE|PRIMARY/);
        expect(db.prepare(readBack).all()).toEqual([{ provider: 'Harbor Mutual', kind: 'stage-changed', status: 'pending', attempts: 0, prefix: 'bkp_abcdefgh' }]);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4250', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 9 })).toBe(9);
          await client.query(shop);
          await client.query(provider);
          expect(await migratePostgres(client, { ...options, target: 10 })).toBe(10);
          await client.query(key('k1'));
          await expect(client.query(key('k2'))).rejects.toThrow(/duplicate key/);
          await client.query(endpoint);
          await client.query(event);
          await expect(client.query(event)).rejects.toThrow(/duplicate key/);
          await client.query(delivery);
          await expect(client.query(delivery)).rejects.toThrow(/duplicate key/);
          expect((await client.query(readBack)).rows).toEqual([{ provider: 'Harbor Mutual', kind: 'stage-changed', status: 'pending', attempts: '0', prefix: 'bkp_abcdefgh' }]);
        } finally {
          await client.end();
        }
      }
    });


    it('operator migration 13 (groups) keeps a version-8 relay\'s shops and adds groups, their locations and admins, each once', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const group = "INSERT INTO groups (slug, name, created_at) VALUES ('lakeside', 'Lakeside Group', '2026-12-04T10:00:00.000Z')";
      const member = "INSERT INTO group_members (group_slug, workspace_id, position, added_at) VALUES ('lakeside', 'w1', 1, '2026-12-04T10:00:00.000Z')";
      const admin = "INSERT INTO group_admins (group_slug, workspace_id, role, added_at) VALUES ('lakeside', 'w1', 'owner', '2026-12-04T10:00:00.000Z')";
      const readBack = 'SELECT g.name, w.slug, m.position, a.role FROM groups g JOIN group_members m ON m.group_slug = g.slug JOIN workspaces w ON w.id = m.workspace_id JOIN group_admins a ON a.group_slug = g.slug';
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 8)).toBe(8);
        db.prepare(shop).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 13)).toBe(13);
        for (const q of [group, member, admin]) db.prepare(q).run();
        expect(db.prepare(readBack).all()).toEqual([{ name: 'Lakeside Group', slug: 'kept', position: 1, role: 'owner' }]);
        expect(() => db.prepare(member).run()).toThrow(/UNIQUE|PRIMARY/);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4250', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 8 })).toBe(8);
          await client.query(shop);
          expect(await migratePostgres(client, { ...options, target: 13 })).toBe(13);
          for (const q of [group, member, admin]) await client.query(q);
          expect((await client.query(readBack)).rows).toEqual([{ name: 'Lakeside Group', slug: 'kept', position: '1', role: 'owner' }]);
          await expect(client.query(member)).rejects.toThrow(/duplicate key/);
          await expect(client.query("INSERT INTO group_members (group_slug, workspace_id, position, added_at) VALUES ('lakeside', 'nobody', 2, 'x')")).rejects.toThrow(/foreign key/);
        } finally {
          await client.end();
        }
      }
    });


    it('operator migration 16 (desk releases) keeps a version-13 relay\'s shops and records each published installer once', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const release = (version: string, file: string) =>
        `INSERT INTO desk_releases (version, file_name, sha256, sha512, size_bytes, notes, published_at) VALUES ('${version}', '${file}', '${'a'.repeat(64)}', 'c2hhNTEy', 5000000000, NULL, '2026-12-04T16:00:00.000Z')`;
      const readBack = "SELECT w.slug, r.version, r.file_name, r.size_bytes FROM workspaces w, desk_releases r";
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 13)).toBe(13);
        db.prepare(shop).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 16)).toBe(16);
        db.prepare(release('1.2.0', 'Bayline-Setup-1.2.0.exe')).run();
        // An installer bigger than 4 GiB's counter would be is still counted right.
        expect(db.prepare(readBack).all()).toEqual([{ slug: 'kept', version: '1.2.0', file_name: 'Bayline-Setup-1.2.0.exe', size_bytes: 5000000000 }]);
        expect(() => db.prepare(release('1.2.0', 'other.exe')).run()).toThrow(/UNIQUE|PRIMARY/);
        expect(() => db.prepare(release('1.3.0', 'Bayline-Setup-1.2.0.exe')).run()).toThrow(/UNIQUE/);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4250', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 13 })).toBe(13);
          await client.query(shop);
          expect(await migratePostgres(client, { ...options, target: 16 })).toBe(16);
          await client.query(release('1.2.0', 'Bayline-Setup-1.2.0.exe'));
          expect((await client.query(readBack)).rows).toEqual([{ slug: 'kept', version: '1.2.0', file_name: 'Bayline-Setup-1.2.0.exe', size_bytes: '5000000000' }]);
          await expect(client.query(release('1.2.0', 'other.exe'))).rejects.toThrow(/duplicate key/);
          await expect(client.query(release('1.3.0', 'Bayline-Setup-1.2.0.exe'))).rejects.toThrow(/duplicate key/);
        } finally {
          await client.end();
        }
      }
    });

    it('operator migration 18 (group sign-in) keeps a version-13 relay\'s groups and adds admins by address, single-use links and sessions', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const group = "INSERT INTO groups (slug, name, created_at) VALUES ('lakeside', 'Lakeside Group', '2026-12-04T10:00:00.000Z')";
      const person = "INSERT INTO group_admin_people (group_slug, email, name, added_at) VALUES ('lakeside', 'pat@lakeside.example', 'Pat', '2026-12-04T11:00:00.000Z')";
      const link = "INSERT INTO group_sign_in_links (token_hash, group_slug, email, created_at, expires_at) VALUES ('h1', 'lakeside', 'pat@lakeside.example', '2026-12-04T11:00:00.000Z', '2026-12-04T11:30:00.000Z')";
      const session = "INSERT INTO group_sessions (id_hash, group_slug, email, csrf_token, created_at, expires_at) VALUES ('s1', 'lakeside', 'pat@lakeside.example', 'c', '2026-12-04T11:01:00.000Z', '2026-12-04T19:01:00.000Z')";
      const readBack = 'SELECT g.name, p.email, l.token_hash, s.id_hash FROM groups g JOIN group_admin_people p ON p.group_slug = g.slug JOIN group_sign_in_links l ON l.email = p.email JOIN group_sessions s ON s.email = p.email';
      const stranger = "INSERT INTO group_admin_people (group_slug, email, name, added_at) VALUES ('nobody', 'x@y.example', 'X', 'x')";
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        db.pragma('foreign_keys = ON');
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 13)).toBe(13);
        db.prepare(shop).run();
        db.prepare(group).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 18)).toBe(18);
        for (const q of [person, link, session]) db.prepare(q).run();
        expect(db.prepare(readBack).all()).toEqual([{ name: 'Lakeside Group', email: 'pat@lakeside.example', token_hash: 'h1', id_hash: 's1' }]);
        expect(() => db.prepare(person).run()).toThrow(/UNIQUE|PRIMARY/);
        expect(() => db.prepare(stranger).run()).toThrow(/FOREIGN KEY/);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4250', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 13 })).toBe(13);
          await client.query(shop);
          await client.query(group);
          expect(await migratePostgres(client, { ...options, target: 18 })).toBe(18);
          for (const q of [person, link, session]) await client.query(q);
          expect((await client.query(readBack)).rows).toEqual([{ name: 'Lakeside Group', email: 'pat@lakeside.example', token_hash: 'h1', id_hash: 's1' }]);
          await expect(client.query(person)).rejects.toThrow(/duplicate key/);
          await expect(client.query(stranger)).rejects.toThrow(/foreign key/);
        } finally {
          await client.end();
        }
      }
    });

    it('operator migration 14 (automation timers) keeps a version-13 relay\'s shops and adds timers, one per shop, rule and occurrence', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const timer = "INSERT INTO automation_timers (workspace_id, rule_id, occurrence, ro_id, due_at, armed_at) VALUES ('w1', 'r1', 'quiet:ro1:2026-12-10T21:00:00.000Z', 'ro1', '2026-12-15T21:00:00.000Z', '2026-12-10T21:00:00.000Z')";
      const readBack = 'SELECT w.slug, t.due_at, t.attempts, t.fired_at FROM automation_timers t JOIN workspaces w ON w.id = t.workspace_id';
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 13)).toBe(13);
        db.prepare(shop).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 14)).toBe(14);
        db.prepare(timer).run();
        expect(db.prepare(readBack).all()).toEqual([{ slug: 'kept', due_at: '2026-12-15T21:00:00.000Z', attempts: 0, fired_at: null }]);
        expect(() => db.prepare(timer).run()).toThrow(/UNIQUE|PRIMARY/);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4251', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 13 })).toBe(13);
          await client.query(shop);
          expect(await migratePostgres(client, { ...options, target: 14 })).toBe(14);
          await client.query(timer);
          expect((await client.query(readBack)).rows).toEqual([{ slug: 'kept', due_at: '2026-12-15T21:00:00.000Z', attempts: '0', fired_at: null }]);
          await expect(client.query(timer)).rejects.toThrow(/duplicate key/);
          await expect(client.query(timer.replace("'w1'", "'nobody'"))).rejects.toThrow(/foreign key/);
        } finally {
          await client.end();
        }
      }
    });

    it('operator migration 15 (blob refill) keeps a version-14 relay\'s blob records, none marked missing, and can mark one', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const blob = "INSERT INTO blobs (workspace_id, hash, size_bytes, mime_type, created_at) VALUES ('w1', 'abc123', 2048, 'image/jpeg', '2026-11-02T00:00:00.000Z')";
      const readBack = 'SELECT hash, size_bytes, mime_type, missing_since FROM blobs';
      const mark = "UPDATE blobs SET missing_since = '2026-12-04T10:00:00.000Z' WHERE hash = 'abc123'";
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 14)).toBe(14);
        db.prepare(shop).run();
        db.prepare(blob).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 15)).toBe(15);
        expect(db.prepare(readBack).all()).toEqual([{ hash: 'abc123', size_bytes: 2048, mime_type: 'image/jpeg', missing_since: null }]);
        db.prepare(mark).run();
        expect(db.prepare('SELECT hash FROM blobs WHERE missing_since IS NOT NULL').all()).toEqual([{ hash: 'abc123' }]);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4251', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 14 })).toBe(14);
          await client.query(shop);
          await client.query(blob);
          expect(await migratePostgres(client, { ...options, target: 15 })).toBe(15);
          expect((await client.query(readBack)).rows).toEqual([{ hash: 'abc123', size_bytes: '2048', mime_type: 'image/jpeg', missing_since: null }]);
          await client.query(mark);
          expect((await client.query('SELECT hash FROM blobs WHERE missing_since IS NOT NULL')).rows).toEqual([{ hash: 'abc123' }]);
        } finally {
          await client.end();
        }
      }
    });

    it('operator migration 19 (relay rounds) keeps a version-18 relay\'s shops and records one start per round', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const round = (by: string) => `INSERT INTO relay_rounds (name, started_at, started_by) VALUES ('csi', '2026-12-05T10:00:00.000Z', '${by}')`;
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 18)).toBe(18);
        db.prepare(shop).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 19)).toBe(19);
        expect(db.prepare('SELECT slug FROM workspaces').all()).toEqual([{ slug: 'kept' }]);
        db.prepare(round('relay-a')).run();
        expect(() => db.prepare(round('relay-b')).run()).toThrow(/UNIQUE/);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4251', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 18 })).toBe(18);
          await client.query(shop);
          expect(await migratePostgres(client, { ...options, target: 19 })).toBe(19);
          expect((await client.query('SELECT slug FROM workspaces')).rows).toEqual([{ slug: 'kept' }]);
          await client.query(round('relay-a'));
          await expect(client.query(round('relay-b'))).rejects.toThrow(/duplicate key/);
        } finally {
          await client.end();
        }
      }
    });

    it('operator migration 6 (drafting usage) keeps a version-5 relay\'s shops and counts tokens per shop and month', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const usage = (month: string) => `INSERT INTO ai_usage (workspace_id, month, input_tokens, output_tokens, requests) VALUES ('w1', '${month}', 1200, 80, 1)`;
      const readBack = 'SELECT w.name, u.month, u.input_tokens, u.output_tokens, u.requests FROM workspaces w JOIN ai_usage u ON u.workspace_id = w.id';
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 5)).toBe(5);
        db.prepare(shop).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 6)).toBe(6);
        db.prepare(usage('2026-12')).run();
        expect(db.prepare(readBack).all()).toEqual([{ name: 'Kept', month: '2026-12', input_tokens: 1200, output_tokens: 80, requests: 1 }]);
        // One row per shop and month.
        expect(() => db.prepare(usage('2026-12')).run()).toThrow(/UNIQUE|PRIMARY/);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4248', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 5 })).toBe(5);
          await client.query(shop);
          expect(await migratePostgres(client, { ...options, target: 6 })).toBe(6);
          await client.query(usage('2026-12'));
          expect((await client.query(readBack)).rows).toEqual([{ name: 'Kept', month: '2026-12', input_tokens: '1200', output_tokens: '80', requests: '1' }]);
          await expect(client.query(usage('2026-12'))).rejects.toThrow(/duplicate key/);
        } finally {
          await client.end();
        }
      }
    });

    it('operator migration 7 (e-signature keys) keeps a version-6 relay\'s shops and holds one sealing certificate per shop', async () => {
      const shop = "INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w1', 'kept', 'Kept', '2026-11-01T00:00:00.000Z')";
      const key = (fingerprint: string) =>
        `INSERT INTO esign_keys (workspace_id, sealed_p12, sealed_passphrase, certificate_pem, fingerprint_sha256, subject, not_after, created_at) VALUES ('w1', 'v1.a.b.c', 'v1.d.e.f', '-----BEGIN CERTIFICATE-----', '${fingerprint}', 'CN=Kept, O=Kept', '2036-12-04T00:00:00.000Z', '2026-12-04T00:00:00.000Z')`;
      const readBack = 'SELECT w.name, k.fingerprint_sha256, k.subject FROM workspaces w JOIN esign_keys k ON k.workspace_id = w.id';
      const expected = [{ name: 'Kept', fingerprint_sha256: 'ab12', subject: 'CN=Kept, O=Kept' }];
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'relay.sqlite'));
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 6)).toBe(6);
        db.prepare(shop).run();
        expect(migrateSqlite(db, SQLITE_OPERATOR_MIGRATIONS, 'operator', 7)).toBe(7);
        db.prepare(key('ab12')).run();
        expect(db.prepare(readBack).all()).toEqual(expected);
        // One certificate per shop.
        expect(() => db.prepare(key('cd34')).run()).toThrow(/UNIQUE|PRIMARY/);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: await newLocation('postgres') });
        await client.connect();
        try {
          const options = { schema: 'public', versionTable: 'relay_meta' as const, migrations: POSTGRES_OPERATOR_MIGRATIONS, lockKey: '4249', label: 'operator' };
          expect(await migratePostgres(client, { ...options, target: 6 })).toBe(6);
          await client.query(shop);
          expect(await migratePostgres(client, { ...options, target: 7 })).toBe(7);
          await client.query(key('ab12'));
          expect((await client.query(readBack)).rows).toEqual(expected);
          await expect(client.query(key('cd34'))).rejects.toThrow(/duplicate key/);
        } finally {
          await client.end();
        }
      }
    });

    it('migration 8 (signatures, bookings, calls) keeps a version-7 workspace\'s rows and adds the new tables, empty', async () => {
      const insert = "INSERT INTO workspace_settings (id, name) VALUES ('shop', 'Harbor Collision')";
      const readBack = 'SELECT name, drafting_settings, call_forward_number FROM workspace_settings';
      const expected = { name: 'Harbor Collision', drafting_settings: null, call_forward_number: null };
      const tables = ['signature_requests', 'signature_consents', 'appointment_availability', 'schedule_exceptions', 'appointments', 'calls'];
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'ws.sqlite'));
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 7)).toBe(7);
        db.prepare(insert).run();
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 8)).toBe(8);
        expect(db.prepare(readBack).get()).toEqual(expected);
        for (const t of tables) expect(db.prepare(`SELECT count(*) AS n FROM ${t}`).get()).toEqual({ n: 0 });
        db.close();
      } else {
        const client = new pg.Client({ connectionString: location });
        await client.connect();
        try {
          const schema = `ws_${randomBytes(16).toString('hex')}`;
          const options = { schema, versionTable: 'meta' as const, migrations: POSTGRES_WORKSPACE_MIGRATIONS, lockKey: '4247', label: 'workspace' };
          expect(await migratePostgres(client, { ...options, target: 7 })).toBe(7);
          await client.query(insert.replace('workspace_settings', `${schema}.workspace_settings`));
          expect(await migratePostgres(client, { ...options, target: 8 })).toBe(8);
          expect((await client.query(readBack.replace('workspace_settings', `${schema}.workspace_settings`))).rows).toEqual([expected]);
          for (const t of tables) expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.${t}`)).rows).toEqual([{ n: 0 }]);
        } finally {
          await client.end();
        }
      }
    });

    it('migration 9 (surveys, referrals, provider grants, automations) keeps a version-8 workspace\'s rows and adds the new tables, empty', async () => {
      const insert = "INSERT INTO repair_orders (id, ro_number, insurer) VALUES ('r1', 1042, 'State Farm')";
      const readBack = 'SELECT claim_number, insurer, first_notice_at, referral_id FROM repair_orders';
      const expected = { claim_number: null, insurer: 'State Farm', first_notice_at: null, referral_id: null };
      const tables = ['csi_responses', 'csi_follow_ups', 'csi_follow_up_entries', 'review_clicks', 'referrals', 'provider_grants', 'automation_rules', 'automation_runs'];
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'ws.sqlite'));
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 8)).toBe(8);
        db.prepare(insert).run();
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 9)).toBe(9);
        expect(db.prepare(readBack).get()).toEqual(expected);
        for (const t of tables) expect(db.prepare(`SELECT count(*) AS n FROM ${t}`).get()).toEqual({ n: 0 });
        db.close();
      } else {
        const client = new pg.Client({ connectionString: location });
        await client.connect();
        try {
          const schema = `ws_${randomBytes(16).toString('hex')}`;
          const options = { schema, versionTable: 'meta' as const, migrations: POSTGRES_WORKSPACE_MIGRATIONS, lockKey: '4247', label: 'workspace' };
          expect(await migratePostgres(client, { ...options, target: 8 })).toBe(8);
          await client.query(insert.replace('repair_orders', `${schema}.repair_orders`));
          expect(await migratePostgres(client, { ...options, target: 9 })).toBe(9);
          expect((await client.query(readBack.replace('repair_orders', `${schema}.repair_orders`))).rows).toEqual([expected]);
          for (const t of tables) expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.${t}`)).rows).toEqual([{ n: 0 }]);
        } finally {
          await client.end();
        }
      }
    });

    it('migration 10 (languages, countries, staff notices) keeps a version-9 workspace\'s customers and templates and adds the new columns and table, empty', async () => {
      const inserts = [
        "INSERT INTO customers (id, first_name, mobile) VALUES ('c1', 'Ana', '+15555550123')",
        "INSERT INTO sms_templates (id, name, body) VALUES ('t1', 'Ready', 'Your car is ready')",
      ];
      const readBack = ['SELECT first_name, mobile, language, mobile_kind FROM customers', 'SELECT name, body, language FROM sms_templates'];
      const expected = [{ first_name: 'Ana', mobile: '+15555550123', language: null, mobile_kind: null }, { name: 'Ready', body: 'Your car is ready', language: null }];
      const qualify = (sql: string, schema: string) => sql.replace(/\b(customers|sms_templates)\b/, `${schema}.$1`);
      if (engine === 'sqlite') {
        const db = new Database(path.join(await newLocation('sqlite'), 'ws.sqlite'));
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 9)).toBe(9);
        for (const sql of inserts) db.prepare(sql).run();
        expect(migrateSqlite(db, SQLITE_WORKSPACE_MIGRATIONS, 'workspace', 10)).toBe(10);
        expect(readBack.map((sql) => db.prepare(sql).get())).toEqual(expected);
        expect(db.prepare('SELECT count(*) AS n FROM staff_notifications').get()).toEqual({ n: 0 });
        expect(db.prepare('SELECT country, customer_languages FROM workspace_settings').all()).toEqual([]);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: location });
        await client.connect();
        try {
          const schema = `ws_${randomBytes(16).toString('hex')}`;
          const options = { schema, versionTable: 'meta' as const, migrations: POSTGRES_WORKSPACE_MIGRATIONS, lockKey: '4247', label: 'workspace' };
          expect(await migratePostgres(client, { ...options, target: 9 })).toBe(9);
          for (const sql of inserts) await client.query(qualify(sql, schema));
          expect(await migratePostgres(client, { ...options, target: 10 })).toBe(10);
          const rows = [];
          for (const sql of readBack) rows.push((await client.query(qualify(sql, schema))).rows[0]);
          expect(rows).toEqual(expected);
          expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.staff_notifications`)).rows).toEqual([{ n: 0 }]);
          expect((await client.query(`SELECT country, customer_languages FROM ${schema}.workspace_settings`)).rows).toEqual([]);
        } finally {
          await client.end();
        }
      }
    });

    it('records the schema version of each workspace', async () => {
      const storage = await open();
      const ws = await storage.createWorkspace({ slug: uniqueSlug('version'), name: 'Version' });
      if (engine === 'sqlite') {
        const db = new Database(path.join(location, 'workspaces', `${ws.id}.sqlite`), { readonly: true });
        expect(db.pragma('user_version', { simple: true })).toBe(latestVersion(SQLITE_WORKSPACE_MIGRATIONS));
        db.close();
      } else {
        const store = await storage.workspaceStore(ws.id);
        const row = await store.db.selectFrom('meta').select('value').where('key', '=', 'schema_version').executeTakeFirst();
        expect(row?.value).toBe(String(latestVersion(POSTGRES_WORKSPACE_MIGRATIONS)));
      }
    });

    it('refuses an operator database written by a newer relay, and leaves it as it was', async () => {
      const tooNew = latestVersion(SQLITE_OPERATOR_MIGRATIONS) + 1;
      const place = await newLocation(engine);
      const first = await openAt(engine, place);
      await first.createWorkspace({ slug: 'kept-shop', name: 'Kept' });
      await first.close();
      let fingerprint: () => Promise<string>;
      if (engine === 'sqlite') {
        const file = path.join(place, 'relay.sqlite');
        const db = new Database(file);
        db.pragma(`user_version = ${tooNew}`);
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
        fingerprint = async () => sha(fs.readFileSync(file).toString('base64'));
      } else {
        await pgQuery(place, `UPDATE relay_meta SET value = '${tooNew}' WHERE key = 'schema_version'`);
        fingerprint = async () =>
          JSON.stringify(
            await pgQuery(place, "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"),
          ) + JSON.stringify(await pgQuery(place, 'SELECT * FROM relay_meta ORDER BY key'));
      }
      const before = await fingerprint();
      const err = await openAt(engine, place).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StorageTooNewError);
      expect((err as Error).message).toContain(`newer Bayline relay (schema version ${tooNew}; this relay knows up to ${tooNew - 1})`);
      expect(await fingerprint()).toBe(before);
    });

    it('refuses a workspace written by a newer relay', async () => {
      const place = await newLocation(engine);
      const first = await openAt(engine, place);
      const ws = await first.createWorkspace({ slug: 'future-shop', name: 'Future' });
      await first.close();
      if (engine === 'sqlite') {
        const db = new Database(path.join(place, 'workspaces', `${ws.id}.sqlite`));
        db.pragma('user_version = 99');
        db.close();
      } else {
        await pgQuery(place, `UPDATE ${workspaceSchema(ws.id)}.meta SET value = '99' WHERE key = 'schema_version'`);
      }
      const second = await openAt(engine, place);
      expect(await second.findWorkspace('future-shop')).toEqual(ws); // the operator records still work
      await expect(second.workspaceStore(ws.id)).rejects.toThrow(StorageTooNewError);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('relay storage on postgres: several relay processes on one database', () => {
  let url: string;
  beforeAll(async () => {
    url = await newLocation('postgres');
  });
  const relayProcess = () => openAt('postgres', url);

  it('both processes see a workspace the other made, and write under different node ids', async () => {
    const [one, two] = [await relayProcess(), await relayProcess()];
    const ws = await one.createWorkspace({ slug: uniqueSlug('shared'), name: 'Shared Body Shop' });
    expect(await two.findWorkspace(ws.slug)).toEqual(ws);
    expect(await two.listWorkspaces()).toContainEqual(ws);

    const [storeOne, storeTwo] = [await one.workspaceStore(ws.id), await two.workspaceStore(ws.id)];
    expect(storeOne.nodeId).not.toBe(storeTwo.nodeId);
    await storeOne.write({ actor: 'relay', action: 't' }, (tx) => tx.insert('customers', { id: 'c-one', first_name: 'One' }));
    await storeTwo.write({ actor: 'relay', action: 't' }, (tx) => tx.insert('customers', { id: 'c-two', first_name: 'Two' }));
    await storeOne.write({ actor: 'relay', action: 't' }, (tx) => tx.update('customers', 'c-two', { last_name: 'Edited by one' }));

    // Each process chains its own audit events; neither numbering collides with the other's.
    const { events, verification } = await auditOf(storeTwo);
    expect(verification).toMatchObject({ ok: true, problems: [] });
    const byNode = (node: string) => events.filter((e) => e.node === node).map((e) => e.seq).sort();
    expect(byNode(storeTwo.nodeId)).toEqual([1]);
    expect(byNode(storeOne.nodeId)).toEqual([1, 2, 3]); // workspace-create, insert, update
    const customers = await storeTwo.db.selectFrom('customers').selectAll().orderBy('id').execute();
    expect(customers.map((c) => [c.id, c.first_name, c.last_name])).toEqual([
      ['c-one', 'One', null],
      ['c-two', 'Two', 'Edited by one'],
    ]);
  });

  it("a process's write comes after every change another process committed, even one stamped by a fast clock", async () => {
    const [one, two] = [await relayProcess(), await relayProcess()];
    const ws = await one.createWorkspace({ slug: uniqueSlug('clocks'), name: 'Clocks' });
    const [storeOne, storeTwo] = [await one.workspaceStore(ws.id), await two.workspaceStore(ws.id)];
    // A desk whose clock runs four minutes ahead (within the clock bound) pushes through process one.
    const fastDesk = 'fa57fa57fa57fa57';
    const hourAhead = Date.now() + 4 * 60_000;
    await storeOne.applyRemote([
      { table: 'customers', row: 'c1', column: 'first_name', value: 'Jon', stamp: formatStamp({ millis: hourAhead, counter: 0, node: fastDesk }) },
    ]);
    // Then process two, which never saw that stamp, corrects the name.
    await storeTwo.write({ actor: 'relay', action: 'customer-update' }, (tx) => tx.update('customers', 'c1', { first_name: 'John' }));
    for (const store of [storeOne, storeTwo]) {
      const row = await store.db.selectFrom('customers').select('first_name').where('id', '=', 'c1').executeTakeFirst();
      expect(row?.first_name).toBe('John');
    }
  });

  it('an announcement from one process reaches the listeners of every process, its own included', async () => {
    const [one, two] = [await relayProcess(), await relayProcess()];
    const heardByOne: string[] = [];
    const heardByTwo: string[] = [];
    one.onChangesAnnounced((id) => heardByOne.push(id));
    two.onChangesAnnounced((id) => heardByTwo.push(id));
    const ws = await one.createWorkspace({ slug: uniqueSlug('notify'), name: 'Notify' });
    await one.announceChanges(ws.id);
    await eventually(() => heardByTwo.includes(ws.id) && heardByOne.includes(ws.id), 'the announcement in both processes');
  });

  it("work done once per change (ownOnly) is heard only by the process that made the change; another's notice still wakes the rest", async () => {
    const [one, two] = [await relayProcess(), await relayProcess()];
    const heard = { oneWork: [] as string[], twoWork: [] as string[], twoBackground: [] as string[], twoAtOnce: [] as string[] };
    one.onChangesAnnounced((id) => heard.oneWork.push(id), { background: true, ownOnly: true });
    two.onChangesAnnounced((id) => heard.twoWork.push(id), { background: true, ownOnly: true });
    two.onChangesAnnounced((id) => heard.twoBackground.push(id), { background: true });
    two.onChangesAnnounced((id) => heard.twoAtOnce.push(id));
    const [a, b] = [await one.createWorkspace({ slug: uniqueSlug('own-a'), name: 'Own A' }), await one.createWorkspace({ slug: uniqueSlug('own-b'), name: 'Own B' })];
    await one.announceChanges(a.id);
    await eventually(() => heard.twoBackground.includes(a.id) && heard.twoAtOnce.includes(a.id) && heard.oneWork.includes(a.id), "process one's change heard");
    // Process two's own change is its work; process one's notice never was.
    await two.announceChanges(b.id);
    await eventually(() => heard.twoWork.includes(b.id), "process two's own change");
    await new Promise((r) => setTimeout(r, 200));
    expect(heard.twoWork).toEqual([b.id]);
    expect(heard.oneWork).toEqual([a.id]);
  });

  it('listens again after its LISTEN connection is cut, and re-checks the workspaces it serves', async () => {
    const [one, two] = [await relayProcess(), await relayProcess()];
    const ws = await one.createWorkspace({ slug: uniqueSlug('cut'), name: 'Cut' });
    await one.workspaceStore(ws.id); // process one serves this workspace
    const heard: string[] = [];
    one.onChangesAnnounced((id) => heard.push(id));

    const killed = await pgQuery<{ ok: boolean }>(
      url,
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
      [LISTEN_APPLICATION_NAME],
    );
    expect(killed.length).toBeGreaterThanOrEqual(2);
    // Notices sent while it was away are lost: on reconnecting it reports its open workspaces itself.
    await eventually(() => heard.includes(ws.id), 'the re-check after reconnecting');
    heard.length = 0;
    // And notices from the other process reach it again.
    const probe = '33333333-3333-4333-8333-333333333333';
    await eventually(async () => {
      await two.announceChanges(probe);
      await new Promise((r) => setTimeout(r, 50));
      return heard.includes(probe);
    }, 'an announcement after reconnecting');
  });

  it('a round of every shop is taken by one process per period, and by another once the period has passed', async () => {
    const [one, two] = [await relayProcess(), await relayProcess()];
    const at = (s: number) => new Date(Date.parse('2026-12-05T10:00:00.000Z') + s * 1000);
    const both = await Promise.all([one.rounds.take('csi', 60_000, 'one', at(0)), two.rounds.take('csi', 60_000, 'two', at(0))]);
    expect(both.filter(Boolean)).toHaveLength(1);
    // Within the period nobody takes it again; another round's name is its own.
    expect(await two.rounds.take('csi', 60_000, 'two', at(20))).toBe(false);
    expect(await one.rounds.take('csi', 60_000, 'one', at(53))).toBe(false);
    expect(await two.rounds.take('scheduling', 60_000, 'two', at(20))).toBe(true);
    // Nine tenths of the period on (the timers fire a little apart), the next taker gets it.
    expect(await two.rounds.take('csi', 60_000, 'two', at(55))).toBe(true);
    expect((await one.rounds.list()).map((r) => [r.name, r.startedBy])).toEqual([['csi', 'two'], ['scheduling', 'two']]);
  });

  it('a pairing code raced by two processes pairs exactly one device', async () => {
    const [one, two] = [await relayProcess(), await relayProcess()];
    const ws = await one.createWorkspace({ slug: uniqueSlug('pair-race'), name: 'Pair Race' });
    const codeHash = sha(`race-${randomBytes(4).toString('hex')}`);
    await one.createPairingCode({ workspaceId: ws.id, codeHash, expiresAt: minutesFromNow(15) });
    const now = new Date().toISOString();
    const outcomes = await Promise.allSettled([
      one.redeemPairingCode({ codeHash, deviceId: 'race-device-one', deviceName: 'One', secretHash: sha('1'), now }),
      two.redeemPairingCode({ codeHash, deviceId: 'race-device-two', deviceName: 'Two', secretHash: sha('2'), now }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason as RelayStorageError).code).toBe('code-invalid');
    expect(await one.listDevices(ws.id)).toHaveLength(1);
  });
});
