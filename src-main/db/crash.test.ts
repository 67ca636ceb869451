// A desk PC that loses power or has the app killed mid-write: the database must open again,
// be intact, and hold every write that had committed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { deskPaths } from '../desk.js';
import { openTestDesk, tempDir } from '../testing/temp-desk.js';

describe('killed while writing', () => {
  it('keeps every committed check-in after SIGKILL', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src-main/db/crash-writer.fixture.ts'), dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const committed: string[] = [];
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        committed.push(...lines.filter(Boolean));
        if (committed.length >= 150) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`writer stopped by itself (${code}): ${stderr}`));
      });
    });
    await new Promise((r) => child.once('close', r));

    const file = deskPaths(dataDir, 'my-body-shop').database;
    const sqlite = new Database(file);
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    const ids = new Set((sqlite.prepare('SELECT id FROM repair_orders').all() as { id: string }[]).map((r) => r.id));
    sqlite.close();
    const lost = committed.filter((id) => !ids.has(id));
    expect(lost).toEqual([]);

    // The desk opens again on the same folder (the dead process's lock is taken over).
    const d = await openTestDesk({ dataDir });
    expect((await d.call('ro-board', {})).length).toBeGreaterThanOrEqual(150);
    expect((await d.call('audit-verify', {})).ok).toBe(true);
    await d.close();
  }, 60_000);
});
