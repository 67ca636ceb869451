// The insurer scorecard (the DRP view) on a fixture of 60 repairs across 3 insurers in March 2026
// (America/Chicago, clocks go forward on Sunday 8 March at 02:00), written to a real desk's SQLite
// through the mutation layer, read back by the loader and checked against numbers worked out by
// hand below.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDesk, type TestDesk } from '../../src-main/testing/temp-desk.js';
import { computeScorecards, type Scorecard } from './figures.js';
import { scorecardFixture } from './fixtures.js';
import { loadReportFacts } from './load.js';
import { writeFacts } from './testing.js';

let t: TestDesk | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function card(cards: Scorecard[], insurer: string): Scorecard['figures'] {
  const found = cards.find((c) => c.insurer === insurer);
  if (!found) throw new Error(`no scorecard for ${insurer}`);
  return found.figures;
}

describe('insurer scorecards for March 2026', () => {
  it('match the figures worked out by hand, across the daylight-saving change', async () => {
    t = await openTestDesk();
    await writeFacts(t.desk.store, scorecardFixture());
    const facts = await loadReportFacts(t.desk.db, { from: '2026-03-01', to: '2026-03-31' });
    expect(facts.repairs).toHaveLength(60);
    const cards = computeScorecards(facts, { from: '2026-03-01', to: '2026-03-31' });
    expect(cards.map((c) => c.insurer)).toEqual(['Acme Mutual', 'Birch Insurance', 'Cobalt Casualty']);
    const [acme, birch, cobalt] = [card(cards, 'Acme Mutual'), card(cards, 'Birch Insurance'), card(cards, 'Cobalt Casualty')];

    // Every repair is delivered in March (Cobalt's last at 22:30 on the 31st, 03:30 UTC on 1 April).
    expect([acme.delivered, birch.delivered, cobalt.delivered]).toEqual([20, 20, 20]);

    // Keys-to-keys. Check-in day c = 2 + k; a repair crosses the change (23 h on 8 March) when
    // c ≤ 7 and c + L ≥ 8, and is then L days − 1 hour.
    // Acme  (L=4): c ∈ 4..7 → 4 × 95 h, 16 × 96 h → (380 + 1536) / 20 = 95.8 h = 3.991666… days; median 96 h = 4.
    // Birch (L=6): c ∈ 2..7 → 6 × 143 h, 14 × 144 h → (858 + 2016) / 20 = 143.7 h = 5.9875 days; median 6.
    // Cobalt(L=8): c ∈ 2..7 → 6 × 191 h, 14 × 192 h (k = 19 is 23→31 March) → (1146 + 2688) / 20 = 191.7 h = 7.9875 days.
    expect(acme.cycle.keysToKeys.averageDays).toBeCloseTo(95.8 / 24, 9);
    expect(acme.cycle.keysToKeys.medianDays).toBe(4);
    expect(birch.cycle.keysToKeys.averageDays).toBeCloseTo(5.9875, 9);
    expect(birch.cycle.keysToKeys.medianDays).toBe(6);
    expect(cobalt.cycle.keysToKeys.averageDays).toBeCloseTo(7.9875, 9);

    // From first notice. Acme heard two days before check-in (09:00 on c − 2): 6 days wall clock,
    // crossing the change when c − 2 ≤ 7 and c + 4 ≥ 8, i.e. c ∈ 4..9 → 6 × 143 h, 14 × 144 h = 5.9875 days.
    // Birch and Cobalt have no first notice: it falls back to the check-in (= keys-to-keys).
    expect(acme.cycle.fromFirstNotice.averageDays).toBeCloseTo(5.9875, 9);
    expect(birch.cycle.fromFirstNotice.averageDays).toBeCloseTo(5.9875, 9);
    expect(cobalt.cycle.fromFirstNotice.averageDays).toBeCloseTo(7.9875, 9);

    // On time = delivered on or before the last promised date.
    // Acme: k = 0, 5, 10, 15 were promised the day before → 16 / 20 = 80 %. k = 1 had two changes,
    // the first to the day before (late), the last to the delivery day: on time.
    // Birch: k = 0, 4, 8, 12, 16 late → 15 / 20 = 75 %. Cobalt: k = 19 has no promised date → 19 / 19 = 100 %.
    expect(acme.onTime).toMatchObject({ counted: 20, onTime: 16, late: 4, noPromise: 0, percent: 80 });
    expect(birch.onTime).toMatchObject({ counted: 20, onTime: 15, late: 5, percent: 75 });
    expect(cobalt.onTime).toMatchObject({ counted: 19, onTime: 19, late: 0, noPromise: 1, percent: 100 });

    // CSI. Overall 5 for even k, 4 for odd; recommend 10, 9, 7, 3 by k mod 4.
    // Acme: all but k = 19 answered → 19 responses, 19 / 20 = 95 %.
    //   overall: 10 × 5 + 9 × 4 = 86 → 86 / 19 = 4.526315…
    //   recommend: 5 × 10 + 5 × 9 + 5 × 7 + 4 × 3 (k = 3, 7, 11, 15) = 142 → 7.473684…
    //   promoters (9–10) 10, passives 5, detractors (0–6) 4 → NPS (10 − 4) / 19 = 31.578947… %
    // Birch: 20 responses, 100 %; overall 90 / 20 = 4.5; recommend 145 / 20 = 7.25; NPS (10 − 5) / 20 = 25 %.
    // Cobalt: even k only → 10 responses, 50 %; overall 5; recommend (5 × 10 + 5 × 7) / 10 = 8.5; NPS (5 − 0) / 10 = 50 %.
    expect(acme.csi).toMatchObject({ responses: 19, promoters: 10, passives: 5, detractors: 4 });
    expect(acme.csi.responseRate).toBeCloseTo(95, 9);
    expect(acme.csi.overall).toBeCloseTo(86 / 19, 9);
    expect(acme.csi.recommend).toBeCloseTo(142 / 19, 9);
    expect(acme.csi.nps).toBeCloseTo(600 / 19, 9);
    expect(birch.csi).toMatchObject({ responses: 20, responseRate: 100, overall: 4.5, recommend: 7.25, nps: 25 });
    expect(cobalt.csi).toMatchObject({ responses: 10, responseRate: 50, overall: 5, recommend: 8.5, nps: 50, passives: 5, detractors: 0 });
    // Per question, labelled with the wording answered: quality mirrors overall, communication was 4 from everyone.
    expect(acme.csi.questions.map((q) => [q.label, q.count])).toEqual([
      ['Overall satisfaction (1–5)', 19],
      ['Quality of the repair', 19],
      ['How we kept you informed', 19],
      ['Likely to recommend (0–10)', 19],
    ]);
    expect(acme.csi.questions[1]!.average).toBeCloseTo(86 / 19, 9);
    expect(cobalt.csi.questions[2]!.average).toBe(4);

    // Communication consistency: 2 stage changes per repair (Repair started, Delivered) = 40 each.
    // Acme texts 2 h after both → 40 / 40. Birch only after Repair started → 20 / 40 = 50 %.
    // Cobalt texts 26 h after Repair started and never after Delivered. 26 h is within one business
    // day only when the next business day is not the next calendar day: started on Fri 6, Sat 7
    // (26 h across the change lands Sun 8 12:00, before Mon 09:00), Fri 13, Sat 14, Mon 16 (Tue 17
    // is closed, so Wed 18 09:00), Fri 20, Sat 21 → 7. Sundays 8 and 15 answer Monday 11:00 (late);
    // k = 19 started Tue 24 22:30 → deadline Wed 22:30, text Thu 00:30 (late). 7 / 40 = 17.5 %.
    expect(acme.communication).toEqual({ stageChanges: 40, followedUp: 40, percent: 100 });
    expect(birch.communication).toEqual({ stageChanges: 40, followedUp: 20, percent: 50 });
    expect(cobalt.communication).toEqual({ stageChanges: 40, followedUp: 7, percent: 17.5 });

    // Exceptions opened in March by reason (Acme's February sublet is outside the period).
    expect(acme.exceptions).toEqual([
      { reason: 'parts-delay', label: 'Waiting for parts', count: 3 },
      { reason: 'insurer-delay', label: 'Insurer delay', count: 1 },
    ]);
    expect(birch.exceptions).toEqual([{ reason: 'awaiting-authorization', label: 'Waiting for insurer authorization', count: 2 }]);
    expect(cobalt.exceptions).toEqual([]);
  });

  it('a period that ends on 30 March leaves out the repair delivered late on the 31st, shop time', async () => {
    const cards = computeScorecards(scorecardFixture(), { from: '2026-03-01', to: '2026-03-30' });
    expect(card(cards, 'Cobalt Casualty').delivered).toBe(19);
    expect(computeScorecards(scorecardFixture(), { from: '2026-03-01', to: '2026-03-31', insurer: 'Birch Insurance' }).map((c) => c.insurer)).toEqual(['Birch Insurance']);
  });
});
