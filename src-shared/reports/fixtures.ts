// Fixtures for the reports tests and the desk's screenshots: 60 repairs across 3 insurers in March
// 2026 (the scorecards) and a small shop over the end of daylight saving (the Reports screen).
// The hand-worked figures for each are in scorecards.test.ts and figures.test.ts.
import { DEFAULT_HOURS } from '../settings.js';
import type { MessageFact, ReportFacts } from './figures.js';
import { DEFAULT_REPORT_SETTINGS } from './settings.js';
import { localAt, localDay } from './testing.js';

const TZ = 'America/Chicago';
const H = 3_600_000;
const INSURERS = ['Acme Mutual', 'Birch Insurance', 'Cobalt Casualty'] as const;
/** Keys-to-keys in calendar days for each insurer's repairs. */
const LENGTH = [4, 6, 8];
const RECOMMEND = [10, 9, 7, 3];
const QUESTIONS = JSON.stringify([
  { id: 'overall', label: 'Overall, how satisfied are you?' },
  { id: 'quality', label: 'Quality of the repair' },
  { id: 'communication', label: 'How we kept you informed' },
  { id: 'recommend', label: 'How likely are you to recommend us?' },
]);

/**
 * Repair k (0–19) of insurer g is checked in at 09:00 on 2 March + k days and delivered L days
 * later at 09:00 (L = 4, 6, 8), with "Repair started" one day after check-in. Cobalt's k = 19 is
 * checked in 23 March 22:30 and delivered 31 March 22:30 (1 April 03:30 UTC: still March for the shop).
 */
export function scorecardFixture(): ReportFacts {
  const f: ReportFacts = {
    timeZone: TZ,
    hours: DEFAULT_HOURS,
    closedDays: ['2026-03-17'],
    settings: DEFAULT_REPORT_SETTINGS,
    repairs: [],
    stageEvents: [],
    promisedChanges: [],
    exceptions: [],
    messages: [],
    portal: [],
    csi: [],
    calls: null,
  };
  INSURERS.forEach((insurer, g) => {
    const L = LENGTH[g]!;
    for (let k = 0; k < 20; k++) {
      const id = `ro-${g}-${k}`;
      const late = g === 2 && k === 19;
      const day = late ? '2026-03-23' : localDay(TZ, localAt(TZ, '2026-03-02', '09:00', k));
      const time = late ? '22:30' : '09:00';
      const checkedIn = localAt(TZ, day, time);
      const started = localAt(TZ, day, time, 1);
      const delivered = localAt(TZ, day, time, L);
      const deliveredDay = localDay(TZ, delivered);
      const dayBefore = localDay(TZ, delivered, -1);
      let promised: string | null = deliveredDay;
      if (g === 0 && k % 5 === 0) promised = dayBefore;
      if (g === 1 && k % 4 === 0) promised = dayBefore;
      if (g === 2 && k === 19) promised = null;
      f.repairs.push({
        id,
        roNumber: 1000 + g * 100 + k,
        insurer,
        checkedInBy: k % 2 === 0 ? 'staff-ann' : 'staff-bo',
        assignedStaffId: null,
        checkedInAt: checkedIn,
        firstNoticeAt: g === 0 ? localAt(TZ, day, time, -2) : null,
        promisedDate: promised,
        closedAt: delivered,
      });
      if (g === 0 && k === 1) {
        // Two promised-date changes: first to the day before delivery (which would be late), then to the delivery day.
        f.promisedChanges.push({ roId: id, toDate: dayBefore, at: localAt(TZ, day, '12:00', 1) });
        f.promisedChanges.push({ roId: id, toDate: deliveredDay, at: localAt(TZ, day, '12:00', 2) });
      }
      f.stageEvents.push({ roId: id, stage: 'pictures', at: checkedIn }, { roId: id, stage: 'repair-started', at: started }, { roId: id, stage: 'delivered', at: delivered });
      const out = (at: number) => f.messages.push({ roId: id, direction: 'out', channel: 'sms', at: new Date(at).toISOString(), status: 'delivered', staffId: 'staff-ann', automated: false });
      if (g === 0) {
        out(Date.parse(started) + 2 * H);
        out(Date.parse(delivered) + 2 * H);
      } else if (g === 1) out(Date.parse(started) + 2 * H);
      else out(Date.parse(started) + 26 * H);
      const answers = g === 0 ? k !== 19 : g === 1 ? true : k % 2 === 0;
      if (answers) {
        const overall = k % 2 === 0 ? 5 : 4;
        const recommend = RECOMMEND[k % 4]!;
        f.csi.push({
          roId: id,
          overall,
          recommend,
          answers: JSON.stringify({ overall, quality: overall, communication: 4, recommend }),
          questions: QUESTIONS,
          submittedAt: localAt(TZ, day, time, L + 1),
        });
      }
      const opened = new Date(Date.parse(checkedIn) + H).toISOString();
      if (g === 0 && k <= 2) f.exceptions.push({ roId: id, reason: 'parts-delay', openedAt: opened });
      if (g === 0 && k === 3) f.exceptions.push({ roId: id, reason: 'insurer-delay', openedAt: opened });
      if (g === 0 && k === 0) f.exceptions.push({ roId: id, reason: 'sublet', openedAt: '2026-02-27T16:00:00Z' }); // February: not in the period
      if (g === 1 && k <= 1) f.exceptions.push({ roId: id, reason: 'awaiting-authorization', openedAt: opened });
    }
  });
  return f;
}


// ---- the Reports screen: three repairs over 26 October – 8 November 2026

const at = (day: string, time: string) => localAt(TZ, day, time);


function message(roId: string, direction: 'in' | 'out', when: string, extra: Partial<MessageFact> = {}): MessageFact {
  return { roId, direction, channel: 'sms', at: when, status: direction === 'in' ? 'received' : 'delivered', staffId: null, automated: false, ...extra };
}

export function reportsFixture(): ReportFacts {
  return {
    timeZone: TZ,
    hours: DEFAULT_HOURS,
    closedDays: ['2026-11-04'],
    settings: { ...DEFAULT_REPORT_SETTINGS, minutesPerCall: 4, callsPerDayBefore: 3 },
    repairs: [
      { id: 'r1', roNumber: 1001, insurer: 'Acme Mutual', checkedInBy: 'staff-ann', assignedStaffId: 'staff-tech', checkedInAt: at('2026-10-26', '08:00'), firstNoticeAt: null, promisedDate: '2026-11-02', closedAt: at('2026-11-02', '14:00') },
      { id: 'r2', roNumber: 1002, insurer: 'Birch Insurance', checkedInBy: 'staff-bo', assignedStaffId: 'staff-tech', checkedInAt: at('2026-10-27', '09:00'), firstNoticeAt: null, promisedDate: '2026-11-03', closedAt: at('2026-11-04', '15:00') },
      { id: 'r3', roNumber: 1003, insurer: 'Acme Mutual', checkedInBy: 'staff-ann', assignedStaffId: null, checkedInAt: at('2026-11-05', '09:00'), firstNoticeAt: null, promisedDate: '2026-11-20', closedAt: null },
    ],
    stageEvents: [
      { roId: 'r1', stage: 'pictures', at: at('2026-10-26', '08:00') },
      { roId: 'r1', stage: 'estimate', at: at('2026-10-26', '14:00') },
      { roId: 'r1', stage: 'repair-started', at: at('2026-10-27', '14:00') },
      { roId: 'r1', stage: 'repair-started', at: at('2026-10-28', '10:00') }, // a sub-status move: still repairing
      { roId: 'r1', stage: 'completed', at: at('2026-10-30', '14:00') },
      { roId: 'r1', stage: 'delivered', at: at('2026-11-02', '14:00') },
      { roId: 'r2', stage: 'pictures', at: at('2026-10-27', '09:00') },
      { roId: 'r2', stage: 'estimate', at: at('2026-10-27', '11:00') },
      { roId: 'r2', stage: 'repair-started', at: at('2026-10-28', '11:00') },
      { roId: 'r2', stage: 'completed', at: at('2026-11-03', '11:00') },
      { roId: 'r2', stage: 'delivered', at: at('2026-11-04', '15:00') },
      { roId: 'r3', stage: 'pictures', at: at('2026-11-05', '09:00') },
    ],
    promisedChanges: [],
    exceptions: [
      { roId: 'r2', reason: 'parts-delay', openedAt: at('2026-10-29', '10:00') },
      { roId: 'r3', reason: 'customer-choice', openedAt: at('2026-11-06', '10:00') },
      { roId: 'r1', reason: 'something-new', openedAt: at('2026-10-28', '10:00') },
    ],
    messages: [
      message('r1', 'in', at('2026-10-26', '10:00')),
      message('r1', 'in', at('2026-10-26', '10:05')),
      message('r1', 'out', at('2026-10-26', '10:30'), { staffId: 'staff-ann' }),
      message('r1', 'in', at('2026-10-29', '18:00')),
      message('r1', 'out', at('2026-10-29', '18:01'), { staffId: 'staff-bo', automated: true }),
      message('r1', 'out', at('2026-10-30', '08:00'), { staffId: 'staff-bo' }),
      message('r2', 'in', at('2026-11-03', '16:00')),
      message('r2', 'out', at('2026-11-03', '16:20'), { staffId: 'staff-ann', channel: 'portal' }),
      message('r2', 'in', at('2026-11-06', '12:00')),
      message('r3', 'in', at('2026-10-20', '12:00')), // before the period: neither counted nor waiting
      message('r3', 'out', at('2026-11-05', '10:00'), { staffId: 'staff-ann', status: 'draft' }),
    ],
    portal: [
      { roId: 'r1', source: 'link', views: 12 },
      { roId: 'r1', source: 'qr-work-order', views: 5 },
      { roId: 'r2', source: 'sms', views: 8 },
      { roId: 'r2', source: 'qr-tag', views: 2 },
      { roId: 'r3', source: 'link', views: 3 },
    ],
    csi: [
      { roId: 'r1', overall: 4, recommend: 9, answers: null, questions: null, submittedAt: at('2026-11-03', '12:00') },
      { roId: 'r2', overall: 2, recommend: 5, answers: null, questions: null, submittedAt: at('2026-11-05', '12:00') },
    ],
    calls: null,
  };
}

