// Workspace settings: the shop's name, contact, hours, time zone, branding and stage wording.
import { ApiError } from '../../src-shared/api/errors.js';
import type { WorkspaceSettings } from '../../src-shared/domain.js';
import { parsePhone, shopCountry } from '../../src-shared/phone.js';
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

/**
 * The shop's phone as customers read it: a newly typed number is read in the shop's country and
 * kept in that country's own format ("(512) 555-0100", "020 7946 0000"; another country's with its
 * + code), so every page, text and paper shows it one way; an impossible one is refused naming the
 * problem. A number left as it was is kept as stored (an older shop's free text still saves).
 */
function shopPhone(typed: string | null | undefined, stored: string | null | undefined, country: string | null | undefined): string | null | undefined {
  if (typed === undefined || typed === null) return typed;
  const trimmed = typed.trim();
  if (trimmed === '') return '';
  if (trimmed === (stored ?? '').trim()) return stored;
  const read = parsePhone(trimmed, shopCountry(country));
  if (!read.ok) throw new ApiError('invalid-args', `The shop's phone: ${read.problem}`, 'phone');
  return read.display;
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
        phone: shopPhone(args.phone, current?.phone, args.country ?? current?.country),
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
