// One desk process per data folder: two processes sharing a node id would issue clashing clock
// stamps and audit numbers. A lock left by a crashed process is taken over.
import fs from 'node:fs';
import path from 'node:path';

export class DeskAlreadyOpenError extends Error {
  readonly code = 'desk-already-open';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`Bayline is already open on ${dataDir} (process ${pid}). Use that window, or close it first.`);
  }
}

/** The process still runs (EPERM: it runs as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock for this process; returns the function that releases it. */
export function acquireDeskLock(dataDir: string): () => void {
  const file = path.join(dataDir, 'desk.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.rmSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) throw new DeskAlreadyOpenError(dataDir, pid);
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${file}`);
}
