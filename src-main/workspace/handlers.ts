// Workspace settings: the shop's name, contact, hours, time zone, branding and stage wording.
import type { WorkspaceSettings } from '../../src-shared/domain.js';
import { DEFAULT_HOURS, parseJson, SETTINGS_ID, toSettings } from '../../src-shared/settings.js';
import { intent } from '../api/actor.js';
import type { HandlerMap } from '../api/dispatch.js';
import type { DeskContext as Desk } from '../api/desk-context.js';

export { SETTINGS_ID, toSettings };

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
        portal_days_after_delivery: args.portalDaysAfterDelivery,
        bay_photos_published: args.bayPhotosPublished === undefined ? undefined : args.bayPhotosPublished ? 1 : 0,
        country: args.country,
        // Stored as written (English first, always there), so a UK shop's choice of English only stays English only.
        customer_languages: args.customerLanguages ? JSON.stringify(['en', ...new Set(args.customerLanguages.filter((l) => l !== 'en'))]) : undefined,
      };
      if (current) await tx.update('workspace_settings', SETTINGS_ID, patch);
      else await tx.insert('workspace_settings', { id: SETTINGS_ID, ...patch });
    });
    return readSettings(desk);
  },
};
