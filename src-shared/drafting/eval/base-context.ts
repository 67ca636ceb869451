// One repair's facts, as the desk would build them, for tests and the evaluation set to vary.
import type { DraftContext } from '../context.js';

type Patch = Omit<Partial<DraftContext>, 'ro' | 'shop' | 'to'> & {
  ro?: Partial<DraftContext['ro']>;
  shop?: Partial<DraftContext['shop']>;
  to?: Partial<DraftContext['to']>;
};

export function baseContext(patch: Patch = {}): DraftContext {
  const base: DraftContext = {
    channel: 'sms',
    recipient: 'customer',
    moment: { kind: 'free' },
    // Thursday 10 December 2026, 10:00 in Chicago.
    now: '2026-12-10T16:00:00.000Z',
    timeZone: 'America/Chicago',
    shop: { name: 'Bayline Collision', phone: '(312) 555-0100', tone: null, examples: [], signature: 'Dana\nBayline Collision\n(312) 555-0100', email: 'desk@bayline.example' },
    to: { name: 'Zoë Nguyen', firstName: 'Zoë', email: 'zoe@example.com', mobile: '+13125550142' },
    ro: {
      roNumber: '1042',
      claimNumber: 'CLM-88412',
      insurer: 'Lakeside Mutual',
      adjusterName: 'Pat Adjuster',
      adjusterEmail: 'pat@lakeside.example',
      adjusterPhone: null,
      vehicle: '2021 Honda Civic',
      plate: 'ZN 4412',
      stage: 'Repair started',
      stageReachedAt: '2026-12-08T15:00:00.000Z',
      subStatus: null,
      stageHistory: [
        { stage: 'Pictures', at: '2026-11-30T15:00:00.000Z' },
        { stage: 'Estimate', at: '2026-12-01T15:00:00.000Z' },
        { stage: 'Repair started', at: '2026-12-08T15:00:00.000Z' },
      ],
      promisedDate: '2026-12-16',
      promisedHistory: [{ from: null, to: '2026-12-16', reason: null, at: '2026-12-01T15:00:00.000Z' }],
      exceptions: [],
      amounts: null,
      courtesyCar: null,
      portalUrl: 'https://portal.bayline.example/p/abc123',
    },
    thread: [],
  };
  return {
    ...base,
    ...patch,
    shop: { ...base.shop, ...patch.shop },
    to: { ...base.to, ...patch.to },
    ro: { ...base.ro, ...patch.ro },
  };
}
