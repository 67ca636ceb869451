// Backups a shop can count on: made while the desk is open, pruned to the newest N, restorable.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { deskPaths } from '../desk.js';
import { openTestDesk, tempDir } from '../testing/temp-desk.js';
import { BackupUnusableError, createBackup, listBackups, restoreBackup } from './backups.js';

const CLI = path.resolve('src-main/cli.ts');
const desk = (...args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const checkIn = (firstName: string, plate: string) => ({
  customer: { firstName, lastName: 'Tester' },
  vehicle: { plate },
});

describe('backups', () => {
  it('round trip: a backup taken while the desk is open brings that day back', async () => {
    const d = await openTestDesk();
    await d.call('ro-check-in', checkIn('Before', 'AAA 111'));
    const made = await d.call('backup-create', {});
    expect(made.reason).toBe('manual');
    await d.call('ro-check-in', checkIn('After', 'BBB 222'));
    const nodeBefore = d.desk.store.nodeId;
    await d.close();

    const out = desk('restore', '--data', d.dataDir, '--from', made.name);
    expect(out).toContain(`Restored ${made.name}`);

    const reopened = await openTestDesk({ dataDir: d.dataDir });
    const names = (await reopened.call('ro-board', {})).map((r) => r.customerName);
    expect(names).toEqual(['Before Tester']);
    // The restored file gets a new node id so its clock and audit numbers never collide with the old ones.
    expect(reopened.desk.store.nodeId).not.toBe(nodeBefore);
    expect((await reopened.call('audit-verify', {})).ok).toBe(true);
    // What was replaced is kept, so a restore can be undone.
    expect(listBackups(reopened.desk.backupDir).some((b) => b.reason === 'before-restore')).toBe(true);
    await reopened.close();
  });

  it('keeps only the newest N', async () => {
    const d = await openTestDesk();
    for (let i = 0; i < 5; i++) await createBackup(d.desk.sqlite, d.desk.backupDir, 'manual', 3);
    expect(listBackups(d.desk.backupDir)).toHaveLength(3);
    await d.close();
  });

  it('refuses to restore a damaged backup and leaves the workspace alone', async () => {
    const d = await openTestDesk();
    await d.call('ro-check-in', checkIn('Kept', 'CCC 333'));
    await d.close();
    const paths = deskPaths(d.dataDir, d.desk.slug);
    const broken = path.join(tempDir(), 'broken.sqlite');
    fs.writeFileSync(broken, Buffer.alloc(8192, 7));
    await expect(restoreBackup(paths.database, broken, paths.backups)).rejects.toThrow();
    const sqlite = new Database(paths.database, { readonly: true });
    expect(sqlite.prepare('SELECT count(*) AS n FROM repair_orders').get()).toEqual({ n: 1 });
    sqlite.close();
    expect(BackupUnusableError).toBeDefined();
  });

  it('the command line makes and lists backups', async () => {
    const d = await openTestDesk();
    await d.close();
    expect(desk('backup', '--data', d.dataDir)).toMatch(/Backup written: .*backup-\d{8}T\d{9}Z-manual\.sqlite/);
    expect(desk('backup', '--data', d.dataDir, '--list')).toContain('manual');
  });

  it('makes the daily backup when the desk opens and none is from today', async () => {
    const d = await openTestDesk({ scheduleBackups: true });
    expect(listBackups(d.desk.backupDir).map((b) => b.reason)).toEqual(['daily']);
    await d.close();
  });
});
