// WAL checkpoints off the connection that writes (desk and relay SQLite files; Node only).
//
// SQLite's own upkeep copies the WAL back into the database file inside a commit, once the WAL
// holds 1,000 pages: every hundred edits or so, one commit also copies 4 MB and waits for the
// disk twice, a stall of several milliseconds on the desk or relay that makes it (the sync
// bench's tail was mostly these). Here a worker thread with a connection of its own runs a
// PASSIVE checkpoint instead, every COMMITS_PER_CHECKPOINT commits and after a catch-up's last
// page; PASSIVE never waits for the writing connection, which goes on reading and writing, and
// frames written meanwhile stay for the next one. SQLite's inline checkpoint stays as a backstop
// at SAFETY_PAGES (writes that are not counted, a worker that falls behind), and comes back at
// its usual 1,000 pages while the thread cannot checkpoint (for good after GIVE_UP_AFTER failures
// in a row: no thread here, say).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** SQLite's default: an inline checkpoint once the WAL holds this many pages. */
export const SQLITE_AUTOCHECKPOINT = 1000;
/** The inline checkpoint's threshold while the worker keeps the WAL short (about 40 MB). */
export const SAFETY_PAGES = 10_000;
/** A checkpoint on the worker after this many commits (an edit writes 10–20 pages). */
export const COMMITS_PER_CHECKPOINT = 100;

export interface CheckpointResult {
  /** Frames in the WAL when the checkpoint ran. */
  log: number;
  /** Of those, how many are now in the database file. */
  checkpointed: number;
}

// CommonJS run by the worker (eval: nothing to find in a bundle but the driver's resolved path).
// One connection per checkpoint, closed after it: the worker never holds a file open between
// checkpoints (a backup, a restore or a deleted workspace finds nothing of it).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let Database = null;
parentPort.on('message', ({ id, file }) => {
  try {
    Database = Database || require(workerData.driverPath);
    const db = new Database(file, { fileMustExist: true });
    let row;
    try {
      // The checkpoint waits for the disk (WAL before, database after), whatever the build's default.
      db.pragma('synchronous = FULL');
      row = db.pragma('wal_checkpoint(PASSIVE)')[0];
    } finally {
      // Closed before answering: once the answer is in, this thread holds nothing of the file.
      db.close();
    }
    parentPort.postMessage({ id, log: row.log, checkpointed: row.checkpointed });
  } catch (err) {
    parentPort.postMessage({ id, failed: String((err && err.message) || err) });
  }
});
`;

type Answer = { id: number; log: number; checkpointed: number } | { id: number; failed: string };

/** The process's one checkpoint thread: started on first use, holding the process open only while it has work. */
class CheckpointThread {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, { file: string; resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }>();
  dead = false;

  constructor() {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driverPath } });
    this.worker.unref();
    this.worker.on('message', (answer: Answer) => {
      const waiter = this.waiting.get(answer.id);
      if (!waiter) return;
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) this.worker.unref();
      if ('failed' in answer) waiter.reject(new Error(`could not checkpoint ${waiter.file}: ${answer.failed}`));
      else waiter.resolve({ log: answer.log, checkpointed: answer.checkpointed });
    });
    const stop = (err: Error) => {
      this.dead = true;
      for (const [, waiter] of this.waiting) waiter.reject(err);
      this.waiting.clear();
    };
    this.worker.on('error', stop);
    this.worker.on('exit', (code) => stop(new Error(`the checkpoint thread stopped (exit code ${code})`)));
  }

  run(file: string): Promise<CheckpointResult> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { file, resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, file });
    });
  }
}

let thread: CheckpointThread | null = null;

/** Checkpoints `file`'s WAL (PASSIVE) on the process's checkpoint thread; rejects, naming the file, if it could not. */
export async function checkpointInWorker(file: string): Promise<CheckpointResult> {
  // A thread that cannot start (no worker threads here, the driver not found) rejects like a failed checkpoint.
  if (!thread || thread.dead) thread = new CheckpointThread();
  return thread.run(file);
}

export interface WalKeeper {
  /** Call after each commit on the connection (the store's `afterCommit`); every `commitsPerCheckpoint`-th asks for a checkpoint. */
  committed(): void;
  /** Asks for a checkpoint now (after a catch-up's last page). */
  checkpoint(): void;
  /** The inline checkpoint's threshold to put back after holding checkpoints back (`wal_autocheckpoint = 0`). */
  readonly autocheckpointPages: number;
  /** Commits counted since the last checkpoint was asked for. */
  readonly commitsSinceCheckpoint: number;
  /** What the thread's latest checkpoint of this file found and copied, and how many it has run. */
  readonly lastCheckpoint: CheckpointResult | null;
  readonly checkpointsDone: number;
  /** Resolves once no checkpoint of this file is running or asked for. */
  settled(): Promise<void>;
  /** Before the connection closes: asks for nothing more, and waits for what runs. */
  close(): Promise<void>;
}

/** Failed checkpoints in a row after which the thread is not asked again for this file. */
const GIVE_UP_AFTER = 3;

/**
 * Moves `sqlite`'s WAL checkpoints to the checkpoint thread (see above). `file` is the database
 * file the connection has open (WAL mode).
 */
export function keepWal(sqlite: Database.Database, file: string, options: { commitsPerCheckpoint?: number } = {}): WalKeeper {
  const every = options.commitsPerCheckpoint ?? COMMITS_PER_CHECKPOINT;
  let pages = SAFETY_PAGES;
  sqlite.pragma(`wal_autocheckpoint = ${pages}`);
  let commits = 0;
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;
  let failures = 0;
  let last: CheckpointResult | null = null;
  let done = 0;

  const setInline = (to: number) => {
    if (pages === to) return;
    pages = to;
    try {
      if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${pages}`);
    } catch {
      // The connection is going away; nothing to keep.
    }
  };

  const checkpoint = (): void => {
    if (closed || failures >= GIVE_UP_AFTER) return;
    if (running) {
      again = true;
      return;
    }
    running = checkpointInWorker(file).then(
      (result) => {
        last = result;
        done += 1;
        failures = 0;
        setInline(SAFETY_PAGES);
      },
      () => {
        // The thread could not (not here, or not this time): SQLite's inline checkpoints at its
        // usual 1,000 pages until the thread succeeds again, starting with one now.
        failures += 1;
        setInline(SQLITE_AUTOCHECKPOINT);
        try {
          if (sqlite.open) sqlite.pragma('wal_checkpoint(PASSIVE)');
        } catch {
          // Left to the next inline checkpoint.
        }
      },
    );
    void running.then(() => {
      running = null;
      if (again) {
        again = false;
        checkpoint();
      }
    });
  };

  return {
    committed() {
      commits += 1;
      if (commits >= every) {
        commits = 0;
        checkpoint();
      }
    },
    checkpoint,
    get autocheckpointPages() {
      return pages;
    },
    get commitsSinceCheckpoint() {
      return commits;
    },
    get lastCheckpoint() {
      return last;
    },
    get checkpointsDone() {
      return done;
    },
    async settled() {
      while (running) await running;
    },
    async close() {
      closed = true;
      again = false;
      while (running) await running;
    },
  };
}
