// Backups over the typed API: make one now, list what is kept. Restoring needs the desk closed,
// so it lives on the command line only.
import type { BackupInfo } from '../../src-shared/domain.js';
import type { HandlerMap } from '../api/dispatch.js';
import { type BackupFile, createBackup, listBackups } from './backups.js';

const info = (b: BackupFile): BackupInfo => ({ name: b.name, createdAt: b.createdAt, reason: b.reason, sizeBytes: b.sizeBytes });

export const backupHandlers: Partial<HandlerMap> = {
  'backup-create': async (_args, { desk }) => info(await createBackup(desk.sqlite, desk.backupDir, 'manual', desk.keepBackups)),
  'backup-list': async (_args, { desk }) => listBackups(desk.backupDir).map(info),
};
