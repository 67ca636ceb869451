// The structured answer: its body read out of JSON as it streams, however the pieces are cut, and
// the whole answer checked (not JSON, a missing field, an empty body each named).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyStreamer, parseStructuredDraft } from './structured.js';

const draft = 'Hi Zoë, your "Civic" is in paint.\nBack to you today \\ tomorrow — 🚗 ok';
const answer = JSON.stringify({ body: draft, factsUsed: ['Paint'], unsure: false });

describe('structured drafts', () => {
  it('streams the body text out of the JSON, escapes and emoji included, however the answer is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: answer.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const streamer = new BodyStreamer();
        let shown = '';
        let from = 0;
        for (const at of [...points, answer.length]) {
          shown += streamer.push(answer.slice(from, at));
          from = at;
          // Never more than the body, and never a broken character.
          expect(draft.startsWith(shown)).toBe(true);
        }
        expect(shown).toBe(draft);
      }),
    );
  });

  it('accepts the draft\'s JSON and names what is wrong with anything else', () => {
    expect(parseStructuredDraft(answer)).toEqual({ ok: true, draft: { body: draft, factsUsed: ['Paint'], unsure: false } });
    expect(parseStructuredDraft('Hi Zoë, your car is ready')).toEqual({ ok: false, why: 'the answer is not JSON' });
    expect(parseStructuredDraft('{"text":"Hi","factsUsed":[],"unsure":false}')).toMatchObject({ ok: false, why: expect.stringMatching(/^"body"/) });
    expect(parseStructuredDraft('{"body":"  ","factsUsed":[],"unsure":false}')).toMatchObject({ ok: false, why: '"body": the draft text is empty' });
    expect(parseStructuredDraft('{"body":"Hi","factsUsed":[],"unsure":"maybe"}')).toMatchObject({ ok: false, why: expect.stringMatching(/^"unsure"/) });
  });
});
