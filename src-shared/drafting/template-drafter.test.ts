// The model-less draft in the reader's words: a Spanish-reading customer gets Spanish, a UK
// bodyshop's customer British English with day-first dates, an adjuster the shop's English; each
// passes the fact guard read in the same locale, and a wrong date in it is still caught.
import { describe, expect, it } from 'vitest';
import type { DraftContext } from './context.js';
import { baseContext } from './eval/base-context.js';
import { checkFacts } from './fact-guard.js';
import { templateDraft } from './template-drafter.js';

const spanish = { locale: { country: 'US', language: 'es' } } as const satisfies Partial<DraftContext>;
const british = { locale: { country: 'GB', language: 'en' } } as const satisfies Partial<DraftContext>;
const question = (body: string): Partial<DraftContext> => ({
  moment: { kind: 'reply', messageId: 'm1' },
  thread: [{ id: 'm1', direction: 'in', channel: 'sms', at: '2026-12-10T15:00:00.000Z', author: 'Zoë', subject: null, body }],
});

describe('the template drafter in the reader’s language', () => {
  it('writes a Spanish customer’s text in Spanish, with the promised date as Spanish readers write it', () => {
    const ctx = baseContext({ ...spanish, ...question('¿Cuándo estará listo? when ready') });
    const { body } = templateDraft(ctx);
    // 160 characters, as in English: the link is the first to go when the rest fills them.
    expect(body).toBe('Hola, Zoë: su 2021 Honda Civic está en la etapa de Reparación en curso. Esperamos tenerlo listo el miércoles, 16 de diciembre. - Bayline Collision');
    expect(checkFacts(body, ctx)).toEqual([]);
    const short = templateDraft(baseContext({ ...spanish, ro: { vehicle: null, promisedDate: null, stage: 'Estimate' } })).body;
    expect(short).toBe('Hola, Zoë: su vehículo está en la etapa de Presupuesto. Siga su reparación aquí: https://portal.bayline.example/p/abc123 - Bayline Collision');
  });

  it('writes a Spanish customer’s email with a Spanish greeting, subject and close', () => {
    const ctx = baseContext({ ...spanish, channel: 'email', ro: { stage: 'Completed', promisedDate: null } });
    const { subject, body } = templateDraft(ctx);
    expect(subject).toBe('2021 Honda Civic: Terminado');
    expect(body.startsWith('Hola, Zoë:\n\nSu 2021 Honda Civic ya está terminado y listo para recoger. Llámenos al (312) 555-0100 para acordar la hora de recogida.')).toBe(true);
    expect(body).toContain('\n\nSaludos cordiales,\nDana');
    expect(checkFacts(body, ctx)).toEqual([]);
  });

  it('says the shop will check, in Spanish, when a part is holding the car up', () => {
    const ctx = baseContext({ ...spanish, ro: { exceptions: [{ reason: 'Waiting for parts', note: null, since: '2026-12-09T15:00:00.000Z' }] } });
    const { body } = templateDraft(ctx);
    expect(body).toContain('Esperando piezas. Voy a averiguar cuándo llegan las piezas y le respondo hoy.');
    expect(checkFacts(body, ctx)).toEqual([]);
    const found = templateDraft(baseContext({ ...spanish, ro: { exceptions: [{ reason: 'Additional damage found', note: null, since: '2026-12-09T15:00:00.000Z' }] } }));
    expect(found.body).toContain('Se encontraron daños adicionales.');
  });

  it('writes a UK customer’s text with day-first dates and "collect"', () => {
    const ctx = baseContext({ ...british, ...question('when will it be ready?') });
    const { body } = templateDraft(ctx);
    expect(body).toContain('We expect it ready on Wednesday 16 Dec.');
    expect(checkFacts(body, ctx)).toEqual([]);
    const done = templateDraft(baseContext({ ...british, channel: 'email', shop: { phone: '0161 496 0000' }, ro: { stage: 'Completed' } }));
    expect(done.body).toContain('is finished and ready to collect. Call us on 0161 496 0000 to arrange a collection time.');
    expect(done.body).toContain('Kind regards,');
  });

  it('keeps an adjuster’s draft in the shop’s English, dates in the shop country’s order', () => {
    const ctx = baseContext({ ...british, recipient: 'adjuster', channel: 'email' });
    const { body } = templateDraft(ctx);
    expect(body).toContain('Our target date for the customer is Wednesday 16 Dec.');
    expect(body).toContain('Kind regards,');
    expect(checkFacts(body, ctx)).toEqual([]);
  });

  it('an older desk’s context without a locale still drafts in American English', () => {
    const { body } = templateDraft(baseContext(question('when will it be ready?')));
    expect(body).toContain('We expect it ready Wednesday, Dec 16.');
  });
});

describe('the fact guard in the reader’s locale', () => {
  const es = baseContext(spanish);
  const gb = baseContext(british);
  const kinds = (body: string, c: DraftContext) => checkFacts(body, c).map((f) => `${f.kind}:${f.text}`);

  it('reads Spanish dates, weekdays and days', () => {
    expect(kinds('Estará listo el 16 de diciembre.', es)).toEqual([]);
    expect(kinds('Estará listo el 14 de diciembre.', es)).toEqual(['date:14 de diciembre']);
    expect(kinds('Estará listo el 14 de dic.', es)).toEqual(['date:14 de dic']);
    expect(kinds('Estará listo el miércoles, 16 de diciembre.', es)).toEqual([]);
    expect(kinds('Estará listo el lunes, 16 de diciembre.', es)).toEqual(['date:lunes, 16 de diciembre']);
    // Thursday 10 December: mañana is the 11th, the lunes coming the 14th, the miércoles the 16th.
    expect(kinds('Estará listo mañana.', es)).toEqual(['date:mañana']);
    expect(kinds('Lo llamamos por la mañana.', es)).toEqual([]);
    expect(kinds('Estará listo el lunes.', es)).toEqual(['date:lunes']);
    expect(kinds('Estará listo el miércoles.', es)).toEqual([]);
    expect(kinds('Voy a revisarlo y le respondo hoy.', es)).toEqual([]);
    expect(kinds('Su vehículo estará listo hoy.', es)).toEqual(['date:hoy']);
  });

  it('reads Spanish times, amounts and "free"', () => {
    expect(kinds('Puede recogerlo a las 5.', es)).toEqual(['time:5']);
    expect(kinds('Puede recogerlo a las 5:30 p. m.', es)).toEqual(['time:5:30 p. m']);
    expect(kinds('La reparación es gratis.', es)).toEqual(['amount:gratis']);
    expect(kinds('El deducible es de $500.', es)).toEqual(['amount:$500']);
  });

  it('reads a UK shop’s numeric dates day first, and pounds as amounts', () => {
    expect(kinds('Ready 16/12.', gb)).toEqual([]);
    expect(kinds('Ready 12/16.', gb)).toEqual([]); // no 16th month: not read as a date at all
    expect(kinds('Ready 14/12.', gb)).toEqual(['date:14/12']);
    expect(kinds('Ready Wednesday 16 Dec.', gb)).toEqual([]);
    const pounds = checkFacts('Your excess is £250.', gb);
    expect(pounds.map((f) => f.text)).toEqual(['£250']);
    expect(pounds[0]!.why).toContain('£250');
  });
});
