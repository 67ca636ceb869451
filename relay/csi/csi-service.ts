// What the relay does on its own after the repair (issue 18): once a car has been Delivered for the
// shop's delay, the customer gets one survey link, by text (held for their quiet hours, never to a
// number that replied STOP) or by mail through the shop's connected mailbox. The decision is made
// inside a workspace write that first reads the repair's survey row again (`csi:<ro>`, the same id
// on every node), under the workspace's writers' lock, so a restart, a desk that was offline or a
// second relay never sends a second survey. The same look credits a referral once the booking it
// brought in is checked in. Answers themselves come in through the portal (survey-plugin.ts).
import { customerWords } from '../../src-shared/i18n/index.js';
import type { FastifyBaseLogger } from 'fastify';
import { readCsiSettings, responseId } from '../../src-shared/csi/settings.js';
import { normalizePhone } from '../../src-shared/phone.js';
import { hashToken, newToken } from '../../src-shared/portal/token.js';
import { SETTINGS_ID, toSettings } from '../../src-shared/settings.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { RelayStorage } from '../storage/types.js';
import { WorkspaceLooks } from '../workspace-looks.js';

export interface CsiServiceOptions {
  /** The relay's public address (links in texts). */
  publicUrl: () => string;
  /** The clock the delay is judged by (tests set their own). */
  clock?: () => Date;
  /** How often every workspace is looked at (default 60 s): delays run out without any change. */
  pollMs?: number;
}

/** The survey link in a text or a mail. */
export function surveyUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/t/${token}/survey`;
}

export class CsiService {
  private readonly clock: () => Date;
  private readonly looks: WorkspaceLooks;

  constructor(
    private readonly storage: RelayStorage,
    private readonly log: FastifyBaseLogger,
    private readonly options: CsiServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.looks = new WorkspaceLooks(storage, log, { name: 'csi', look: (id) => this.sweep(id), pollMs: options.pollMs ?? 60_000, failure: 'could not send surveys' });
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
    const settingsRow = await store.db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
    const csi = readCsiSettings(settingsRow?.csi_settings);
    const shop = toSettings(settingsRow);
    let wrote = false;
    if (csi.enabled) {
      const due = new Date(now.getTime() - csi.delayHours * 3_600_000).toISOString();
      // Only repairs whose portal link still works: an old repair is never surveyed months later.
      const oldest = new Date(now.getTime() - shop.portalDaysAfterDelivery * 86_400_000).toISOString();
      const delivered = await store.db
        .selectFrom('repair_orders as r')
        .leftJoin('csi_responses as c', 'c.ro_id', 'r.id')
        .select(['r.id'])
        .where('r.stage', '=', 'delivered')
        .where('r.closed_at', 'is not', null)
        .where('r.closed_at', '<=', due)
        .where('r.closed_at', '>', oldest)
        .where('c.id', 'is', null)
        .execute();
      for (const ro of delivered) {
        if (this.looks.closing) return;
        if (await this.send(workspaceId, store, ro.id, now)) wrote = true;
      }
    }
    if (await this.creditCheckIns(store)) wrote = true;
    if (wrote) await this.storage.announceChanges(workspaceId);
  }

  /** One survey for one repair, decided under the lock; false when another node already did. */
  private async send(workspaceId: string, store: WorkspaceStore, roId: string, now: Date): Promise<boolean> {
    const texting = (await this.storage.sms.numberOfWorkspace(workspaceId)) !== null;
    let wrote = false;
    await store.write({ actor: 'relay', action: 'csi-survey-sent', summary: 'Survey sent after delivery', roId }, async (tx) => {
      const id = responseId(roId);
      if (await tx.get('csi_responses', id)) return;
      const ro = await tx.get('repair_orders', roId);
      if (!ro || ro.stage !== 'delivered' || !ro.closed_at) return;
      const settingsRow = await tx.get('workspace_settings', SETTINGS_ID);
      const csi = readCsiSettings(settingsRow?.csi_settings);
      const shop = toSettings(settingsRow);
      const customer = ro.customer_id ? await tx.get('customers', ro.customer_id) : undefined;
      const mobile = normalizePhone(customer?.mobile ?? '');
      const optedOut = customer?.sms_opt_out === 1;
      const email = (customer?.email ?? '').trim() || null;
      const mailbox = email
        ? await tx.trx.selectFrom('mailboxes').select(['id', 'address']).where('state', '=', 'connected').orderBy('connected_at').executeTakeFirst()
        : undefined;
      const canText = csi.channel !== 'email' && texting && mobile !== null && !optedOut;
      const canMail = csi.channel !== 'sms' && !!mailbox && !!email && (csi.channel === 'email' || !canText);
      const at = now.toISOString();
      const channel = canText ? 'sms' : canMail ? 'email' : optedOut ? 'none-opted-out' : 'none';
      // The row is written even when nothing can go, so the repair is decided once; the desk sees why.
      await tx.insert('csi_responses', { id, ro_id: roId, customer_id: ro.customer_id, survey_sent_at: canText || canMail ? at : null, survey_channel: channel });
      wrote = true;
      if (!canText && !canMail) return;
      const token = newToken(workspaceId);
      await tx.insert('portal_tokens', { ro_id: roId, kind: 'customer', token_hash: hashToken(token), issued_at: at, issued_by: null, expires_at: null });
      const link = surveyUrl(this.options.publicUrl(), token);
      const first = customer?.first_name ? ` ${customer.first_name}` : '';
      // In the customer's language (customers.language), in the shop's country's words.
      const words = customerWords(settingsRow?.country ?? null, customer?.language ?? null);
      // "Six quick questions": the count is the shop's survey's own, said with the language's plural.
      const said = { shop: shop.name, first, number: ro.ro_number, link, count: csi.questions.length };
      const common = { ro_id: roId, customer_id: ro.customer_id, direction: 'out', at, read_at: at, status: 'approved', approved_by: 'relay', approved_at: at, template_id: 'csi-survey', automated: 1 };
      if (canText) {
        await tx.insert('messages', { ...common, channel: 'sms', body: words.t('survey.smsText', said), author: 'Automatic text', peer_number: mobile });
      } else if (mailbox && email) {
        const name = [customer?.first_name, customer?.last_name].filter(Boolean).join(' ');
        await tx.insert('messages', {
          ...common,
          channel: 'email',
          body: words.t('survey.mailBody', said),
          author: 'Automatic email',
          mailbox_id: mailbox.id,
          subject: words.t('survey.mailSubject', said),
          email_from: JSON.stringify({ name: shop.name, address: mailbox.address ?? '' }),
          email_to: JSON.stringify([{ name, address: email }]),
        });
      }
    });
    return wrote;
  }

  /**
   * A booking that came through a referral link, now checked in (the appointment names the repair,
   * or the referred customer's first repair checked in since): that repair is credited.
   */
  private async creditCheckIns(store: WorkspaceStore): Promise<boolean> {
    const waiting = await store.db
      .selectFrom('referrals as f')
      .innerJoin('appointments as a', 'a.id', 'f.appointment_id')
      .select(['f.id', 'f.credited_at', 'a.ro_id', 'a.customer_id'])
      .where('f.ro_id', 'is', null)
      .execute();
    let wrote = false;
    for (const w of waiting) {
      let roId = w.ro_id;
      if (!roId && w.customer_id) {
        const first = await store.db
          .selectFrom('repair_orders')
          .select('id')
          .where('customer_id', '=', w.customer_id)
          .where('checked_in_at', '>=', w.credited_at ?? '')
          .orderBy('checked_in_at')
          .executeTakeFirst();
        roId = first?.id ?? null;
      }
      if (!roId) continue;
      const repair = roId;
      await store.write({ actor: 'relay', action: 'referral-checked-in', summary: 'A referred customer checked in', roId: repair }, async (tx) => {
        const referral = await tx.get('referrals', w.id);
        if (!referral || referral.ro_id) return;
        await tx.update('referrals', w.id, { ro_id: repair });
        const ro = await tx.get('repair_orders', repair);
        if (ro && !ro.referral_id) await tx.update('repair_orders', repair, { referral_id: w.id });
        wrote = true;
      });
    }
    return wrote;
  }
}
