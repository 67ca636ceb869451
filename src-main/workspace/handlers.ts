// Workspace settings: the shop's name, contact, hours, time zone, branding and stage wording.
import type { WorkspaceSettings } from '../../src-shared/domain.js';
import { DEFAULT_STAGE_WORDING, STAGES, type Stage } from '../../src-shared/stages.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import { intent } from '../api/actor.js';
import type { HandlerMap } from '../api/dispatch.js';
import type { Desk } from '../desk.js';

export const SETTINGS_ID = 'workspace';

const DEFAULT_HOURS = {
  mon: { open: '08:00', close: '17:30' },
  tue: { open: '08:00', close: '17:30' },
  wed: { open: '08:00', close: '17:30' },
  thu: { open: '08:00', close: '17:30' },
  fri: { open: '08:00', close: '17:30' },
  sat: null,
  sun: null,
};

export function toSettings(row: RowOf<'workspace_settings'> | undefined): WorkspaceSettings {
  const wording = parseJson<Partial<Record<Stage, string>>>(row?.stage_wording, {});
  return {
    name: row?.name ?? '',
    slug: row?.slug ?? '',
    address: row?.address ?? '',
    phone: row?.phone ?? '',
    email: row?.email ?? '',
    hours: parseJson(row?.hours, DEFAULT_HOURS),
    timeZone: row?.time_zone ?? 'America/Chicago',
    logoHash: row?.logo_hash ?? null,
    colorPrimary: row?.color_primary ?? '#1f4e79',
    colorAccent: row?.color_accent ?? '#f2a900',
    roNumberStart: row?.ro_number_start ?? 1001,
    stageWording: Object.fromEntries(STAGES.map((s) => [s, wording[s] || DEFAULT_STAGE_WORDING[s]])) as Record<Stage, string>,
  };
}

function parseJson<T>(value: string | null | undefined, fallback: T): T {
  if (!value) return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

export async function readSettings(desk: Desk): Promise<WorkspaceSettings> {
  const row = await desk.db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
  return toSettings(row);
}

/** A new workspace gets its name, slug and defaults once; an existing one is left as it is. */
export async function ensureWorkspaceSettings(desk: Desk, init: { name: string; slug: string }): Promise<void> {
  const existing = await desk.db.selectFrom('workspace_settings').select('id').where('id', '=', SETTINGS_ID).executeTakeFirst();
  if (existing) return;
  await desk.store.write({ actor: 'system', action: 'workspace-create', summary: `Workspace ${init.name} created` }, (tx) =>
    tx.insert('workspace_settings', {
      id: SETTINGS_ID,
      name: init.name,
      slug: init.slug,
      time_zone: 'America/Chicago',
      hours: JSON.stringify(DEFAULT_HOURS),
      color_primary: '#1f4e79',
      color_accent: '#f2a900',
      ro_number_start: 1001,
    }),
  );
}

export const workspaceHandlers: Partial<HandlerMap> = {
  'workspace-get': async (_args, { desk }) => readSettings(desk),

  'workspace-update': async (args, ctx) => {
    const { desk } = ctx;
    await desk.store.write(intent(ctx, 'workspace-update', 'Shop settings changed'), async (tx) => {
      const current = await tx.get('workspace_settings', SETTINGS_ID);
      const wording = args.stageWording
        ? JSON.stringify({ ...parseJson(current?.stage_wording, {}), ...args.stageWording })
        : undefined;
      const patch = {
        name: args.name,
        slug: args.slug,
        address: args.address,
        phone: args.phone,
        email: args.email,
        hours: args.hours ? JSON.stringify({ ...DEFAULT_HOURS, ...args.hours }) : undefined,
        time_zone: args.timeZone,
        logo_hash: args.logoHash,
        color_primary: args.colorPrimary,
        color_accent: args.colorAccent,
        ro_number_start: args.roNumberStart,
        stage_wording: wording,
      };
      if (current) await tx.update('workspace_settings', SETTINGS_ID, patch);
      else await tx.insert('workspace_settings', { id: SETTINGS_ID, ...patch });
    });
    return readSettings(desk);
  },
};
