// The demo shop after the repair (issue 18): the last delivered cars have answered surveys (one low,
// with its follow-up open, so the alert and the Follow-ups list show), the review invitation links
// to the shop's (made-up) review pages, each respondent has a referral code, and one new customer
// came through a referral. In a running shop the relay writes the survey rows as customers answer;
// with no relay at seeding time the demo writes the same rows through the desk's mutation layer.
import { randomUUID } from 'node:crypto';
import { DEFAULT_INVITATION, DEFAULT_QUESTIONS, followUpId, responseId } from '../../src-shared/csi/settings.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import type { Desk } from '../desk.js';

const ANSWERS: Array<{ overall: number; quality: number; communication: number; on_time: number; recommend: number; comment: string }> = [
  { overall: 5, quality: 5, communication: 5, on_time: 5, recommend: 10, comment: 'Looks like new. Thank you for the texts along the way.' },
  { overall: 2, quality: 3, communication: 2, on_time: 1, recommend: 4, comment: 'The car was three days late and nobody called me.' },
  { overall: 4, quality: 5, communication: 4, on_time: 4, recommend: 9, comment: '' },
  { overall: 5, quality: 5, communication: 4, on_time: 5, recommend: 9, comment: 'Easy from start to finish.' },
];

export async function seedDemoAfterRepair(desk: Desk): Promise<void> {
  const delivered = await desk.db
    .selectFrom('repair_orders')
    .select(['id', 'customer_id', 'closed_at'])
    .where('stage', '=', 'delivered')
    .where('closed_at', 'is not', null)
    .orderBy('closed_at', 'desc')
    .limit(ANSWERS.length)
    .execute();
  const open = await desk.db.selectFrom('repair_orders').select(['id', 'customer_id', 'checked_in_at']).where('closed_at', 'is', null).orderBy('checked_in_at', 'desc').limit(1).executeTakeFirst();
  await desk.store.write({ actor: 'system', action: 'demo-after-repair', summary: 'Demo: review invitation set up', audit: false }, async (tx) => {
    await tx.update('workspace_settings', SETTINGS_ID, {
      review_settings: JSON.stringify({ sites: { google: 'https://g.page/r/lakeside-collision-demo/review', yelp: 'https://www.yelp.com/writeareview/biz/lakeside-collision-demo', facebook: '' }, invitation: DEFAULT_INVITATION }),
    });
  });
  let referrer: { customerId: string; roId: string; code: string } | null = null;
  for (const [n, ro] of delivered.entries()) {
    const answers = ANSWERS[n]!;
    const sent = new Date(Date.parse(ro.closed_at!) + 24 * 3_600_000);
    const submitted = new Date(Math.min(sent.getTime() + (n + 1) * 47 * 60_000, Date.now() - 60_000)).toISOString();
    const low = answers.overall <= 3 || answers.recommend <= 6;
    const code = `demo${n + 2}${'abcdefgh'.slice(n, n + 4)}`;
    await desk.store.write({ actor: 'customer', action: 'csi-response', summary: 'The customer answered the survey', roId: ro.id }, async (tx) => {
      await tx.insert('csi_responses', {
        id: responseId(ro.id),
        ro_id: ro.id,
        customer_id: ro.customer_id,
        questions: JSON.stringify(DEFAULT_QUESTIONS),
        answers: JSON.stringify(answers.comment ? answers : { ...answers, comment: undefined }),
        overall: answers.overall,
        recommend: answers.recommend,
        comment: answers.comment || null,
        started_at: submitted,
        submitted_at: submitted,
        low_score: low ? 1 : 0,
        survey_sent_at: sent.toISOString(),
        survey_channel: 'sms',
      });
      if (low) await tx.insert('csi_follow_ups', { id: followUpId(ro.id), ro_id: ro.id, response_id: responseId(ro.id), opened_at: submitted });
      if (ro.customer_id) await tx.update('customers', ro.customer_id, { referral_code: code });
    });
    if (!low && ro.customer_id && !referrer) referrer = { customerId: ro.customer_id, roId: ro.id, code };
  }
  if (referrer && open && open.customer_id && open.customer_id !== referrer.customerId) {
    const customer = await desk.db.selectFrom('customers').select(['first_name', 'last_name']).where('id', '=', open.customer_id).executeTakeFirst();
    const id = randomUUID();
    await desk.store.write({ actor: 'relay', action: 'referral-checked-in', summary: 'A referred customer checked in', roId: open.id }, async (tx) => {
      await tx.insert('referrals', {
        id,
        referrer_customer_id: referrer.customerId,
        referrer_ro_id: referrer.roId,
        code: referrer.code,
        appointment_id: null,
        ro_id: open.id,
        name: [customer?.first_name, customer?.last_name].filter(Boolean).join(' '),
        credited_at: open.checked_in_at ?? new Date().toISOString(),
      });
      await tx.update('repair_orders', open.id, { referral_id: id });
    });
  }
}
