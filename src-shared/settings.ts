// The shop's settings as one row of workspace_settings, read the same way by the desk and the
// relay (which renders the portal from them): defaults fill whatever was never set.
import { shopCountry } from './phone.js';
import { offeredLanguages } from './i18n/customer-locale.js';
import type { WorkspaceSettings } from './domain.js';
import { DEFAULT_STAGE_WORDING, STAGES, type Stage } from './stages.js';
import type { RowOf } from './sync/rows.js';

export const DEFAULT_PORTAL_DAYS_AFTER_DELIVERY = 30;

export const SETTINGS_ID = 'workspace';

export const DEFAULT_HOURS = {
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
    portalDaysAfterDelivery: row?.portal_days_after_delivery ?? DEFAULT_PORTAL_DAYS_AFTER_DELIVERY,
    bayPhotosPublished: (row?.bay_photos_published ?? 1) === 1,
    country: shopCountry(row?.country),
    customerLanguages: offeredLanguages(row?.customer_languages, row?.country),
  };
}

export function parseJson<T>(value: string | null | undefined, fallback: T): T {
  if (!value) return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

