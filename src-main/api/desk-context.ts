// What an API handler is given: the desk as handlers see it (DeskContext, which the Desk class
// implements) and the window's session. A leaf module: handlers and the helpers they share
// depend on this, never on desk.ts, so the desk can import every handler without a loop.
import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { ApiMethod, ParsedArgsOf, PushEvent, ResultOf } from '../../src-shared/api/contract.js';
import type { SyncStatus } from '../../src-shared/domain.js';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';

/** One window's (or one browser tab's) state: who is at the desk. */
export interface Session {
  id: string;
  staffId: string | null;
}

export interface DeskContext {
  readonly dataDir: string;
  readonly backupDir: string;
  readonly keepBackups: number;
  readonly store: WorkspaceStore;
  readonly db: Kysely<WorkspaceDatabase>;
  readonly sqlite: Database.Database;
  /** RO number blocks from the relay (src-main/repair-orders/ro-numbers.ts); null until the desk is paired. */
  readonly roNumbers: { ready(): Promise<void> } | null;
  /** When something happens, as handlers record it on the shop's records (`at` fields); the demo seeds the past through it. */
  now(): Date;
  /** Online or offline since when, and what is still waiting to go out or come in. */
  syncStatus(): Promise<SyncStatus>;
  /**
   * Tells the windows listening (the desk's event channel): every window, or with `to` only the
   * window of that session (a draft's text as it is written goes to the window that asked).
   */
  publish(event: PushEvent, to?: Session): void;
  /** Pairs this open desk with the shop's relay and starts syncing. */
  pair(input: { relayUrl: string; code: string; deviceName?: string }): Promise<SyncStatus>;
}

export interface HandlerContext {
  desk: DeskContext;
  session: Session;
}

export type Handler<M extends ApiMethod> = (args: ParsedArgsOf<M>, ctx: HandlerContext) => Promise<ResultOf<M>>;
export type HandlerMap = { [M in ApiMethod]: Handler<M> };
