// Where the drafting settings live: the shop's synced settings (`workspace_settings.
// drafting_settings`, JSON of DraftingSettings), so every desk of the shop drafts in the same tone.
// They are read and written through the one mutation layer (stamped, audited, synced) like any
// shop setting. A damaged or missing value reads as the defaults.
//
// Before schema v8 they were kept per PC in `drafting.json` in the desk's data folder. A desk that
// still has that file imports it once, when the shop has no drafting settings yet, and renames it
// to `drafting.json.imported` either way, so it is never read again.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_DRAFTING_SETTINGS, type DraftingSettings, draftingSettingsSchema } from '../../src-shared/drafting/settings.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import type { WriteIntent } from '../../src-shared/sync/store.js';
import type { DeskContext as Desk } from '../api/desk-context.js';

function legacyFile(dataDir: string): string {
  return path.join(dataDir, 'drafting.json');
}

/** A stored value (the column's JSON, or the old file's) as settings: unknown or damaged parts read as the defaults. */
export function parseDraftingSettings(raw: string | null | undefined): DraftingSettings {
  if (!raw) return { ...DEFAULT_DRAFTING_SETTINGS };
  try {
    const parsed = draftingSettingsSchema.partial().safeParse(JSON.parse(raw));
    return { ...DEFAULT_DRAFTING_SETTINGS, ...(parsed.success ? parsed.data : {}) };
  } catch {
    return { ...DEFAULT_DRAFTING_SETTINGS };
  }
}

async function storedValue(desk: Desk): Promise<string | null> {
  const row = await desk.db.selectFrom('workspace_settings').select('drafting_settings').where('id', '=', SETTINGS_ID).executeTakeFirst();
  return row?.drafting_settings ?? null;
}

/** Writes the shop's drafting settings (whole) through the mutation layer. */
export async function writeDraftingSettings(desk: Desk, settings: DraftingSettings, why: WriteIntent): Promise<void> {
  const value = JSON.stringify(draftingSettingsSchema.parse(settings));
  await desk.store.write(why, async (tx) => {
    if (await tx.get('workspace_settings', SETTINGS_ID)) await tx.update('workspace_settings', SETTINGS_ID, { drafting_settings: value });
    else await tx.insert('workspace_settings', { id: SETTINGS_ID, drafting_settings: value });
  });
}

/** The old per-PC file, imported once into the shop's settings when they hold none; then set aside. */
async function importLegacyFile(desk: Desk): Promise<void> {
  const file = legacyFile(desk.dataDir);
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    return; // no file: nothing to import
  }
  if ((await storedValue(desk)) === null) {
    await writeDraftingSettings(desk, parseDraftingSettings(raw), {
      actor: `desk:${desk.store.nodeId}`,
      action: 'drafting-settings-import',
      summary: 'Drafting settings taken over from this PC (drafting.json) into the shop settings',
      roId: null,
    });
  }
  try {
    fs.renameSync(file, `${file}.imported`);
  } catch {
    // Another call already set it aside.
  }
}

/** The shop's drafting settings (importing this PC's old drafting.json the first time). */
export async function readDraftingSettings(desk: Desk): Promise<DraftingSettings> {
  await importLegacyFile(desk);
  return parseDraftingSettings(await storedValue(desk));
}
