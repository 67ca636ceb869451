// What the relay does on its own about appointments (issue 17): when the desk confirms, declines
// or proposes another time, the customer gets one text saying so, in the customer's own time zone,
// with a link to reschedule or cancel and a calendar file; and the day before a confirmed
// appointment, one reminder. Each is decided inside a workspace write that first reads the row
// again under the workspace's writers' lock (`told`, `reminder_sent_at`), so it happens once
// across relay restarts and across several relays on one PostgreSQL. The text itself is a
// `messages` row the texting service sends like any other: held for the customer's quiet hours
// (automated), refused for a customer who replied STOP, visible in the desk's conversation.
import type { FastifyBaseLogger } from 'fastify';
import { hashToken, newToken } from '../../src-shared/portal/token.js';
import { DateTime } from 'luxon';
import { customerWords } from '../../src-shared/i18n/index.js';
import { addDays, formatSlotTime, instantToLocal, isValidTimeZone, localToday } from '../../src-shared/scheduling/slots.js';
import type { AppointmentKind } from '../../src-shared/scheduling/types.js';
import { toSettings, SETTINGS_ID } from '../../src-shared/settings.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import type { WorkspaceStore, WriteTx } from '../../src-shared/sync/store.js';
import type { RelayStorage } from '../storage/types.js';
import { WorkspaceLooks } from '../workspace-looks.js';
import { isKind } from './booking.js';

/** The appointment texts' and mails' sentences for each kind, by key (each language words the kind its own way). */
const TEXT_KEYS: Record<AppointmentKind, { confirmed: string; declined: string; proposed: string; reminder: string; mailConfirmed: string; mailDeclined: string; mailProposed: string }> = {
  estimate: {
    confirmed: 'booking.textConfirmedEstimate',
    declined: 'booking.textDeclinedEstimate',
    proposed: 'booking.textProposedEstimate',
    reminder: 'booking.textReminderEstimate',
    mailConfirmed: 'booking.mailConfirmedEstimate',
    mailDeclined: 'booking.mailDeclinedEstimate',
    mailProposed: 'booking.mailProposedEstimate',
  },
  'drop-off': {
    confirmed: 'booking.textConfirmedDropoff',
    declined: 'booking.textDeclinedDropoff',
    proposed: 'booking.textProposedDropoff',
    reminder: 'booking.textReminderDropoff',
    mailConfirmed: 'booking.mailConfirmedDropoff',
    mailDeclined: 'booking.mailDeclinedDropoff',
    mailProposed: 'booking.mailProposedDropoff',
  },
  pickup: {
    confirmed: 'booking.textConfirmedPickup',
    declined: 'booking.textDeclinedPickup',
    proposed: 'booking.textProposedPickup',
    reminder: 'booking.textReminderPickup',
    mailConfirmed: 'booking.mailConfirmedPickup',
    mailDeclined: 'booking.mailDeclinedPickup',
    mailProposed: 'booking.mailProposedPickup',
  },
};

export interface SchedulingServiceOptions {
  /** The relay's public address (links in texts). */
  publicUrl: () => string;
  /** The clock reminders are judged by (tests set their own). */
  clock?: () => Date;
  /** How often every workspace is looked at for reminders and other processes' work (default 60 s). */
  pollMs?: number;
}

type Appointment = RowOf<'appointments'>;

const TOLD_STATES = ['confirmed', 'declined', 'proposed'] as const;

/** What the customer was (or must be) told about an appointment: its state and time. */
export function toldKey(row: Pick<Appointment, 'state' | 'starts_at' | 'proposed_starts_at'>): string {
  return `${row.state}|${row.state === 'proposed' ? row.proposed_starts_at : row.starts_at}`;
}

export function manageUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/a/${token}`;
}

export function icsUrl(base: string, token: string): string {
  return `${manageUrl(base, token)}/appointment.ics`;
}

/** A private calendar feed link (a `portal_tokens` row of kind 'calendar'). */
export function calendarFeedUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/c/${token}/calendar.ics`;
}

export class SchedulingService {
  private readonly clock: () => Date;
  private readonly looks: WorkspaceLooks;

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly options: SchedulingServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.looks = new WorkspaceLooks(storage, log, { name: 'scheduling', look: (id) => this.sweep(id), pollMs: options.pollMs ?? 60_000, failure: 'could not tell customers about appointments' });
  }

  start(): void {
    this.looks.start();
  }

  close(): Promise<void> {
    return this.looks.close();
  }

  /** A workspace changed: look at it (once more after the current look, if one is under way). */
  poke(workspaceId: string): void {
    void this.looks.poke(workspaceId);
  }

  /** Settles: waits for every look under way (tests). */
  idle(): Promise<void> {
    return this.looks.idle();
  }

  /** Looks at every workspace (the timer's round). */
  sweepAll(): Promise<void> {
    return this.looks.sweepAll();
  }

  async sweep(workspaceId: string): Promise<void> {
    const store = await this.storage.workspaceStore(workspaceId);
    const now = this.clock();
    const decided = await store.db.selectFrom('appointments').selectAll().where('state', 'in', [...TOLD_STATES]).execute();
    for (const row of decided) {
      if (this.looks.closing) return;
      if (row.told === toldKey(row)) continue;
      await this.tell(workspaceId, store, row.id, now);
    }
    const soon = await store.db
      .selectFrom('appointments')
      .select(['id', 'starts_at'])
      .where('state', '=', 'confirmed')
      .where('reminder_sent_at', 'is', null)
      .where('starts_at', '>', new Date(now.getTime() + 3 * 3_600_000).toISOString())
      .where('starts_at', '<', new Date(now.getTime() + 50 * 3_600_000).toISOString())
      .execute();
    for (const row of soon) {
      if (this.looks.closing) return;
      await this.remind(workspaceId, store, row.id, now);
    }
  }

  private async context(tx: WriteTx, row: Appointment) {
    const settings = toSettings(await tx.get('workspace_settings', SETTINGS_ID));
    const customer = row.customer_id ? await tx.get('customers', row.customer_id) : undefined;
    const shopZone = isValidTimeZone(row.time_zone ?? '') ? row.time_zone! : settings.timeZone;
    const zone = customer?.time_zone && isValidTimeZone(customer.time_zone) ? customer.time_zone : shopZone;
    const to = customer?.mobile ?? row.mobile ?? null;
    // In the customer's language (customers.language, else the shop's) and the shop's country's
    // formats: "Tue, Jun 2, 9:00 AM", "Tue 2 Jun, 09:00", "mar, 2 de jun, 9:00 a.m.".
    const words = customerWords(settings.country, customer?.language ?? null);
    // A customer away from the shop's zone also reads the zone's name, as their locale writes it.
    const when = (iso: string) => formatSlotTime(iso, zone, words, { withZone: zone !== shopZone });
    return { settings, customer, zone, to, when, words };
  }

  private async tell(workspaceId: string, store: WorkspaceStore, id: string, now: Date): Promise<void> {
    const texting = (await this.storage.sms.numberOfWorkspace(workspaceId)) !== null;
    await store.write({ actor: 'relay', action: 'appointment-told', summary: 'The customer was told about their appointment', audit: false }, async (tx) => {
      const row = await tx.get('appointments', id);
      if (!row || !isKind(row.kind) || !(TOLD_STATES as readonly string[]).includes(row.state ?? '') || row.told === toldKey(row)) return;
      tx.roId = row.ro_id;
      const { settings, customer, to, when, words } = await this.context(tx, row);
      const keys = TEXT_KEYS[row.kind as AppointmentKind];
      const shop = settings.name;
      const base = this.options.publicUrl();
      const patch: Partial<Appointment> = { told: toldKey(row) };
      const canText = texting && !!to;
      // Also by email where there is an address and the shop has a connected mailbox: the mail
      // service sends it once, like any approved mail.
      const email = (customer?.email ?? row.email ?? '').trim() || null;
      const mailbox = email
        ? await tx.trx.selectFrom('mailboxes').select(['id', 'address']).where('state', '=', 'connected').orderBy('connected_at').executeTakeFirst()
        : undefined;
      let body: string;
      if (row.state === 'declined') {
        const reason = row.decline_reason ? ` ${row.decline_reason.trim().replace(/\.?$/, '.')}` : '';
        const again =
          row.kind === 'estimate' && settings.slug
            ? ` ${words.t('booking.textBookAgain', { link: `${base.replace(/\/+$/, '')}/p/${settings.slug}/book` })}`
            : settings.phone
              ? ` ${words.t('booking.textCallUs', { phone: settings.phone })}`
              : '';
        body = `${words.t(keys.declined, { shop, when: when(row.starts_at ?? '') })}${reason}${again}`;
      } else if (!canText && !mailbox) {
        // Neither a text nor a mail can go (no texting number or mobile, no address or mailbox):
        // the desk tells the customer; the manage link already handed out keeps working.
        body = '';
      } else {
        // A new link for each outcome told: only its hash is kept; the old link stops working.
        const token = newToken(workspaceId);
        patch.manage_token_hash = hashToken(token);
        if (row.state === 'confirmed') {
          body = `${words.t(keys.confirmed, { shop, when: when(row.starts_at ?? '') })}${address(settings.address)} ${words.t('booking.textCalendar', { link: icsUrl(base, token) })} ${words.t('booking.textManage', { link: manageUrl(base, token) })}`;
        } else {
          body = `${words.t(keys.proposed, { shop, when: when(row.starts_at ?? ''), proposed: when(row.proposed_starts_at ?? '') })} ${words.t('booking.textAnswer', { link: manageUrl(base, token) })}`;
        }
      }
      await tx.update('appointments', row.id, patch);
      if (canText && to && body) await tx.insert('messages', customerText({ row, customerId: customer?.id ?? row.customer_id, to, body, templateId: `appointment-${row.state}`, now }));
      if (mailbox && email && body) {
        const subject = words.t(row.state === 'confirmed' ? keys.mailConfirmed : row.state === 'declined' ? keys.mailDeclined : keys.mailProposed, { shop });
        const name = [customer?.first_name, customer?.last_name].filter(Boolean).join(' ') || row.name || '';
        await tx.insert('messages', customerMail({ row, customerId: customer?.id ?? row.customer_id, mailbox, to: { name, address: email }, shopName: settings.name, subject, body: mailBody(body, settings.name), templateId: `appointment-${row.state}`, now }));
      }
    });
    await this.storage.announceChanges(workspaceId);
  }

  private async remind(workspaceId: string, store: WorkspaceStore, id: string, now: Date): Promise<void> {
    const texting = (await this.storage.sms.numberOfWorkspace(workspaceId)) !== null;
    let wrote = false;
    await store.write({ actor: 'relay', action: 'appointment-reminder', summary: 'Appointment reminder texted', audit: false }, async (tx) => {
      const row = await tx.get('appointments', id);
      if (!row || row.state !== 'confirmed' || row.reminder_sent_at || !row.starts_at || !isKind(row.kind)) return;
      const { settings, customer, zone, to, when, words } = await this.context(tx, row);
      // The day before, in the customer's own calendar.
      if (instantToLocal(row.starts_at, zone).date !== addDays(localToday(now, zone), 1)) return;
      tx.roId = row.ro_id;
      await tx.update('appointments', row.id, { reminder_sent_at: now.toISOString() });
      wrote = true;
      if (!texting || !to) return;
      const call = settings.phone ? ` ${words.t('booking.textCallToChange', { phone: settings.phone })}` : '';
      const body = `${words.t(TEXT_KEYS[row.kind as AppointmentKind].reminder, { shop: settings.name, when: when(row.starts_at) })}${address(settings.address)}${call}`;
      await tx.insert('messages', customerText({ row, customerId: customer?.id ?? row.customer_id, to, body, templateId: 'appointment-reminder', now }));
    });
    if (wrote) await this.storage.announceChanges(workspaceId);
  }
}

/** The shop's address as its own sentence after the first, as the shop wrote it. */
function address(text: string | null | undefined): string {
  const a = (text ?? '').trim();
  return a ? ` ${a.replace(/\.?$/, '.')}` : '';
}

/** The text's words as a mail: without the shop-name prefix a text needs, signed by the shop. */
function mailBody(text: string, shopName: string): string {
  const prefix = `${shopName}: `;
  const words = text.startsWith(prefix) ? text.slice(prefix.length) : text;
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}\n\n${shopName}`;
}

/** An automated mail through the shop's mailbox (sent once by the mail service). */
function customerMail(input: {
  row: Appointment;
  customerId: string | null;
  mailbox: { id: string; address: string | null };
  to: { name: string; address: string };
  shopName: string;
  subject: string;
  body: string;
  templateId: string;
  now: Date;
}) {
  const at = input.now.toISOString();
  return {
    ro_id: input.row.ro_id,
    customer_id: input.customerId,
    channel: 'email',
    direction: 'out',
    body: input.body,
    at,
    author: 'Automatic email',
    read_at: at,
    status: 'approved',
    approved_by: 'relay',
    approved_at: at,
    template_id: input.templateId,
    automated: 1,
    mailbox_id: input.mailbox.id,
    subject: input.subject,
    email_from: JSON.stringify({ name: input.shopName, address: input.mailbox.address ?? '' }),
    email_to: JSON.stringify([input.to]),
  };
}

/** An automated text (held for quiet hours by the texting service, refused after STOP). */
function customerText(input: { row: Appointment; customerId: string | null; to: string; body: string; templateId: string; now: Date }) {
  const at = input.now.toISOString();
  return {
    ro_id: input.row.ro_id,
    customer_id: input.customerId,
    channel: 'sms',
    direction: 'out',
    body: input.body,
    at,
    author: 'Automatic text',
    read_at: at,
    status: 'approved',
    approved_by: 'relay',
    approved_at: at,
    template_id: input.templateId,
    automated: 1,
    peer_number: input.to,
  };
}
