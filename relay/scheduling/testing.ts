// Test support for booking: a shop's time zone and appointment hours written into the relay's
// copy of the workspace (as a desk's Settings would, arriving by sync), and reading back what a
// booking stored.
import { availabilityToRow } from '../../src-shared/scheduling/slots.js';
import type { Availability, ScheduleException } from '../../src-shared/scheduling/types.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import type { RelayStorage } from '../storage/types.js';

export const WEEKDAYS_9_TO_11: Availability['weeklyHours'] = {
  mon: [['09:00', '11:00']],
  tue: [['09:00', '11:00']],
  wed: [['09:00', '11:00']],
  thu: [['09:00', '11:00']],
  fri: [['09:00', '11:00']],
  sat: [],
  sun: [],
};

export function estimateHours(over: Partial<Availability> = {}): Availability {
  return { kind: 'estimate', active: true, weeklyHours: WEEKDAYS_9_TO_11, slotMinutes: 60, capacity: 1, leadMinutes: 60, horizonDays: 14, holdMinutes: 240, ...over };
}

export async function openBooking(
  storage: RelayStorage,
  workspaceId: string,
  input: { timeZone: string; availability: Availability[]; exceptions?: ScheduleException[]; address?: string; phone?: string },
): Promise<void> {
  const store = await storage.workspaceStore(workspaceId);
  await store.write({ actor: 'relay', action: 'test-setup', audit: false }, async (tx) => {
    await tx.update('workspace_settings', SETTINGS_ID, { time_zone: input.timeZone, address: input.address ?? '1200 Lakeshore Blvd, Austin', phone: input.phone ?? '(512) 555-0100' });
    for (const a of input.availability) await tx.insert('appointment_availability', { id: `availability-${a.kind}`, ...availabilityToRow(a), updated_at: new Date().toISOString() });
    for (const e of input.exceptions ?? [])
      await tx.insert('schedule_exceptions', { date: e.date, kind: e.kind, closed: e.closed ? 1 : 0, hours: e.hours ? JSON.stringify(e.hours) : null, reason: e.reason, created_at: new Date().toISOString() });
  });
  await storage.announceChanges(workspaceId);
}

export async function countRows(storage: RelayStorage, workspaceId: string) {
  const db = (await storage.workspaceStore(workspaceId)).db;
  const n = async (table: 'appointments' | 'customers' | 'attachments') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { appointments: await n('appointments'), customers: await n('customers'), attachments: await n('attachments') };
}

/** The radio values (slot instants) a booking page offers. */
export function offeredSlots(page: string): string[] {
  return [...page.matchAll(/name="slot" value="([^"]+)"/g)].map((m) => m[1]!);
}
