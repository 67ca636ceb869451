// Makes the databases that relay/storage/upgrade.test.ts opens with the current code: a desk's
// workspace file, a relay's operator and workspace files (SQLite) and a dump of a relay's
// PostgreSQL database (operator schema `public` + one `ws_<id>` schema), all holding a small
// demo shop synced from a paired desk. Run once per released schema and commit the output:
//   npx tsx scripts/make-schema-fixtures.ts src-shared/schema/fixtures/v5
// (needs the PostgreSQL of relay/testing/postgres.ts and `pg_dump` on the PATH).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { seedDemoShop } from '../src-main/demo/demo-shop.js';
import { deskPaths, readDeskConfig } from '../src-main/desk.js';
import type { SyncStatus } from '../src-shared/domain.js';
import { call, eventually, startRelayFixture } from '../relay/testing/sync-fixture.js';

const out = path.resolve(process.argv[2] ?? 'src-shared/schema/fixtures/current');
fs.mkdirSync(out, { recursive: true });

/** A compact gzipped copy without WAL or free pages (user_version is kept): `to` + '.gz'. */
function compactCopy(from: string, to: string): void {
  fs.rmSync(to, { force: true });
  const db = new Database(from, { readonly: true, fileMustExist: true });
  try {
    db.exec(`VACUUM INTO '${to.replaceAll("'", "''")}'`);
  } finally {
    db.close();
  }
  fs.writeFileSync(`${to}.gz`, gzipSync(fs.readFileSync(to), { level: 9 }));
  fs.rmSync(to);
}

async function shopOn(engine: 'sqlite' | 'postgres') {
  const fixture = await startRelayFixture(engine);
  const { desk, dataDir } = await fixture.pairNewDesk('Front desk');
  await seedDemoShop(desk, { openRos: 3, closedRos: 1, seed: 7 });
  await eventually('the desk to have pushed everything', async () => (await call<SyncStatus>(desk, 'sync-status', {})).changesWaiting === 0, 60_000);
  return { fixture, desk, dataDir };
}

const sqlite = await shopOn('sqlite');
await sqlite.desk.close();
const slug = readDeskConfig(sqlite.dataDir)!.workspace;
compactCopy(deskPaths(sqlite.dataDir, slug).database, path.join(out, 'desk.sqlite'));
await sqlite.fixture.stop();
compactCopy(path.join(sqlite.fixture.location, 'relay.sqlite'), path.join(out, 'relay.sqlite'));
compactCopy(path.join(sqlite.fixture.location, 'workspaces', `${sqlite.fixture.workspace.id}.sqlite`), path.join(out, 'relay-workspace.sqlite'));
fs.writeFileSync(path.join(out, 'relay-workspace-id.txt'), `${sqlite.fixture.workspace.id}\n`);
await sqlite.fixture.cleanup();

const pgShop = await shopOn('postgres');
await pgShop.desk.close();
await pgShop.fixture.stop();
const dump = execFileSync('pg_dump', ['--inserts', '--no-owner', '--no-privileges', '--no-comments', pgShop.fixture.location], { maxBuffer: 64 << 20 });
fs.writeFileSync(path.join(out, 'relay-postgres.sql.gz'), gzipSync(dump, { level: 9 }));
await pgShop.fixture.cleanup();
console.log(`Fixtures written to ${out}`);
