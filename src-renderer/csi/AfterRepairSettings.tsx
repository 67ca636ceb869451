// Settings › After the repair (issue 18): the survey (questions in the shop's words, when and how it
// goes, what counts as a low score) and the review invitation (sites and wording). The invitation
// is checked as the person types with the same rule the desk refuses with: nothing may be offered
// for a review (FTC rule), and every customer gets the same words whatever their score.
import { type FormEvent, useEffect, useState } from 'react';
import type { AfterRepairSettings as Settings } from '../../src-shared/csi/desk-api.js';
import type { CsiSettings, ReviewSettings } from '../../src-shared/csi/settings.js';
import { incentiveMessage, incentiveWordsIn, REVIEW_SITE_LABELS, REVIEW_SITES } from '../../src-shared/csi/words.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem, Loading } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';
import './csi.css';

const KIND_WORDS = { scale5: '1 to 5', scale10: '0 to 10', text: 'Comment' } as const;

export function AfterRepairSettings() {
  const { api } = useDesk();
  const settings = useLive(api, () => api.call('csi-settings-get', {}), ['workspace_settings'], []);
  if (!settings.data) return <Loading what="after-the-repair settings" />;
  return (
    <section id="set-after-repair" className="panel after-repair" aria-labelledby="after-repair-heading">
      <h3 id="after-repair-heading">After the repair</h3>
      <p className="muted">A short survey goes to each customer once their car is delivered; low scores appear under Follow-ups on every desk.</p>
      <SurveyForm value={settings.data.csi} onSaved={settings.set} />
      <ReviewForm value={settings.data.review} onSaved={settings.set} />
    </section>
  );
}

function SurveyForm({ value, onSaved }: { value: CsiSettings; onSaved(s: Settings): void }) {
  const { api } = useDesk();
  const [draft, setDraft] = useState(value);
  const [saved, setSaved] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setDraft(value), [value]);

  async function save(e: FormEvent) {
    e.preventDefault();
    try {
      onSaved(await api.call('csi-settings-save', { csi: draft }));
      setSaved('Survey saved.');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
    }
  }

  return (
    <form className="csi-form" aria-labelledby="survey-h" onSubmit={(e) => void save(e)}>
      <h4 id="survey-h">Survey</h4>
      <label className="check">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} /> Send the survey after delivery
      </label>
      <div className="csi-row">
        <label className="field">
          <span>Hours after delivery</span>
          <input type="number" min={0} max={720} value={draft.delayHours} onChange={(e) => setDraft({ ...draft, delayHours: Number(e.target.value) })} />
        </label>
        <label className="field">
          <span>Send by</span>
          <select value={draft.channel} onChange={(e) => setDraft({ ...draft, channel: e.target.value as CsiSettings['channel'] })}>
            <option value="sms-then-email">Text; email when there is no text</option>
            <option value="sms">Text only</option>
            <option value="email">Email (the shop's connected mailbox)</option>
          </select>
        </label>
        <label className="field">
          <span>Low score: overall at or under</span>
          <input type="number" min={1} max={5} value={draft.lowOverall} onChange={(e) => setDraft({ ...draft, lowOverall: Number(e.target.value) })} />
        </label>
        <label className="field">
          <span>or recommend at or under</span>
          <input type="number" min={0} max={10} value={draft.lowRecommend} onChange={(e) => setDraft({ ...draft, lowRecommend: Number(e.target.value) })} />
        </label>
      </div>
      <p className="muted">Texts wait for the customer's texting hours and never go to a number that replied STOP.</p>
      <ol className="csi-questions" aria-label="Survey questions">
        {draft.questions.map((q, i) => (
          <li key={q.id}>
            <label className="field">
              <span>
                Question {i + 1} ({KIND_WORDS[q.kind]})
              </span>
              <input
                type="text"
                maxLength={200}
                value={q.text}
                onChange={(e) => setDraft({ ...draft, questions: draft.questions.map((x, j) => (j === i ? { ...x, text: e.target.value } : x)) })}
              />
            </label>
          </li>
        ))}
      </ol>
      <p className="muted">Answers keep the wording they were given under, so rewording a question never changes past answers.</p>
      <div className="row">
        <button type="submit">Save survey</button>
        {saved ? <span role="status">{saved}</span> : null}
      </div>
      <FieldProblem text={problem} />
    </form>
  );
}

function ReviewForm({ value, onSaved }: { value: ReviewSettings; onSaved(s: Settings): void }) {
  const { api } = useDesk();
  const [draft, setDraft] = useState(value);
  const [saved, setSaved] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setDraft(value), [value]);
  const found = incentiveWordsIn(draft.invitation);
  const wordsProblem = found.length ? incentiveMessage(found) : null;

  async function save(e: FormEvent) {
    e.preventDefault();
    try {
      onSaved(await api.call('csi-settings-save', { review: draft }));
      setSaved('Review invitation saved.');
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
      setSaved(null);
    }
  }

  return (
    <form className="csi-form" aria-labelledby="review-h" onSubmit={(e) => void save(e)}>
      <h4 id="review-h">Review invitation</h4>
      <p className="muted">Every customer who answers sees this invitation, in the same words and place, whatever their score.</p>
      <label className="field">
        <span>Invitation</span>
        <textarea rows={3} maxLength={400} value={draft.invitation} aria-invalid={wordsProblem ? true : undefined} aria-describedby="invitation-problem" onChange={(e) => setDraft({ ...draft, invitation: e.target.value })} />
      </label>
      <p id="invitation-problem" className="field-problem" role={wordsProblem ? 'alert' : undefined}>
        {wordsProblem}
      </p>
      {REVIEW_SITES.map((site) => (
        <label key={site} className="field">
          <span>{REVIEW_SITE_LABELS[site]} review link</span>
          <input type="url" placeholder="https://…" value={draft.sites[site]} onChange={(e) => setDraft({ ...draft, sites: { ...draft.sites, [site]: e.target.value } })} />
        </label>
      ))}
      <div className="row">
        <button type="submit" disabled={!!wordsProblem}>
          Save invitation
        </button>
        {saved ? <span role="status">{saved}</span> : null}
      </div>
      <FieldProblem text={problem} />
    </form>
  );
}
