// A WAL checkpoint run on a worker thread with a connection of its own, so the desk's event loop
// goes on while the pages are copied back into the database file. Used once a catch-up's last page
// is in: the pages before it held their checkpoints back (see workspace-db.ts), and copying the
// whole catch-up's WAL (about 100 ms for 100,000 changes) would otherwise sit in that last commit.
// PASSIVE: it never waits for the desk's connection, which keeps reading and writing meanwhile;
// frames written after it started stay for the next checkpoint.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointResult {
  /** Frames in the WAL when the checkpoint ran. */
  log: number;
  /** Of those, how many are now in the database file. */
  checkpointed: number;
}

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

// CommonJS run by the worker (eval: nothing to find in a bundle but the driver's resolved path).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
try {
  const Database = require(workerData.driverPath);
  const db = new Database(workerData.file, { fileMustExist: true });
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed });
  } finally {
    db.close();
  }
} catch (err) {
  parentPort.postMessage({ failed: String((err && err.message) || err) });
}
`;

/** Checkpoints `file`'s WAL from a worker thread; rejects if the worker could not. */
export function checkpointInWorker(file: string): Promise<CheckpointResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driverPath, file } });
    let answer: CheckpointResult | { failed: string } | null = null;
    worker.once('message', (message: CheckpointResult | { failed: string }) => {
      answer = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (answer && 'failed' in answer) reject(new Error(`could not checkpoint ${file}: ${answer.failed}`));
      else if (answer) resolve(answer);
      else reject(new Error(`the checkpoint worker for ${file} stopped (exit code ${code}) without checkpointing`));
    });
  });
}
