// Where the drafting settings live at this desk. The synced schema has no place for them yet, so
// they sit beside the desk's other local files (`drafting.json` in the data folder, like
// `device.json`), written whole and atomically; a damaged or missing file reads as the defaults.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_DRAFTING_SETTINGS, type DraftingSettings, draftingSettingsSchema } from '../../src-shared/drafting/settings.js';

function file(dataDir: string): string {
  return path.join(dataDir, 'drafting.json');
}

export function readDraftingSettings(dataDir: string): DraftingSettings {
  try {
    const parsed = draftingSettingsSchema.partial().safeParse(JSON.parse(fs.readFileSync(file(dataDir), 'utf8')));
    return { ...DEFAULT_DRAFTING_SETTINGS, ...(parsed.success ? parsed.data : {}) };
  } catch {
    return { ...DEFAULT_DRAFTING_SETTINGS };
  }
}

export function writeDraftingSettings(dataDir: string, settings: DraftingSettings): void {
  const target = file(dataDir);
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, target);
}
