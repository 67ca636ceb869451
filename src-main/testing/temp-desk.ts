// Test support: desks on real SQLite files in throw-away folders, and a caller that fails loudly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiMethod, ArgsOf, ResultOf } from '../../src-shared/api/contract.js';
import type { Session } from '../api/dispatch.js';
import { Desk, type DeskOptions } from '../desk.js';

export function tempDir(prefix = 'bayline-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestDesk {
  desk: Desk;
  dataDir: string;
  session: Session;
  /** Calls the API and returns the result; an error outcome throws with its code and message. */
  call<M extends ApiMethod>(method: M, args: ArgsOf<M>): Promise<ResultOf<M>>;
  close(): Promise<void>;
}

export async function openTestDesk(options: Partial<DeskOptions> = {}): Promise<TestDesk> {
  const dataDir = options.dataDir ?? tempDir();
  const desk = await Desk.open({ dataDir, ...options });
  const session = desk.newSession();
  return {
    desk,
    dataDir,
    session,
    async call(method, args) {
      const outcome = await desk.call(method, args, session);
      if (!outcome.ok) throw Object.assign(new Error(`${outcome.error.code}: ${outcome.error.message}`), outcome.error);
      return outcome.result as never;
    },
    close: () => desk.close(),
  };
}

/** Every synced table's rows, sorted, as one comparable object. */
export function dumpSyncedTables(desk: Desk, tables: readonly string[]): Record<string, unknown[]> {
  return Object.fromEntries(tables.map((t) => [t, desk.sqlite.prepare(`SELECT * FROM ${t} ORDER BY id`).all()]));
}
