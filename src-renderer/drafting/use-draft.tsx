// "Draft" in a composer: asks the desk for a draft (the shop's model through the relay, else the
// templates), shows its text as it is written, then hands it to the composer to edit. The facts in
// the text that the repair does not hold are listed under the composer and marked in a copy of the
// text; after each edit they are checked again. Send asks first while any remain.
import { type ReactNode, useEffect, useRef, useState } from 'react';
import type { DraftChannel, DraftRecipient, DraftResult, FactFlag } from '../../src-shared/drafting/context.js';
import { Dialog } from '../shared/Dialog.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';

export interface DraftRequest {
  roId: string;
  channel: DraftChannel;
  recipient?: DraftRecipient;
  replyToId?: string;
  milestone?: string;
}

export function useDraft(opts: { roId: string; channel: DraftChannel; recipient: DraftRecipient; body: string; onText(text: string): void; onDone(result: DraftResult): void }) {
  const { api, announce } = useDesk();
  const [drafting, setDrafting] = useState(false);
  const [result, setResult] = useState<DraftResult | null>(null);
  const [flags, setFlags] = useState<FactFlag[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<{ flags: FactFlag[]; go(): void } | null>(null);
  const checked = useRef(0);
  const live = useRef(opts);
  live.current = opts;

  async function draft(extra: Pick<DraftRequest, 'replyToId' | 'milestone'> & { draftId?: string } = {}) {
    const requestId = `draft-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    setDrafting(true);
    setProblem(null);
    const stop = api.onEvent((e) => {
      if (e.type === 'draft-progress' && e.requestId === requestId) live.current.onText(e.text);
    });
    try {
      const r = await api.call('draft-create', { roId: opts.roId, channel: opts.channel, recipient: opts.recipient, requestId, ...extra });
      setResult(r);
      setFlags(r.flags);
      live.current.onText(r.body);
      live.current.onDone(r);
      announce(r.source === 'model' ? `Draft written by ${r.model ?? 'the model'}. Read it before sending.` : 'Draft written from your templates. Read it before sending.');
    } catch (err) {
      setProblem(`No draft: ${messageOf(err)}`);
    } finally {
      stop();
      setDrafting(false);
    }
  }

  async function check(body: string): Promise<FactFlag[]> {
    const n = ++checked.current;
    const f = body.trim() === '' ? [] : await api.call('draft-check', { roId: opts.roId, channel: opts.channel, recipient: opts.recipient, body });
    if (n === checked.current) setFlags(f);
    return f;
  }

  // After an edit, the facts are checked again (a short pause, so not every key costs a call).
  useEffect(() => {
    if (!result) return;
    const timer = setTimeout(() => void check(opts.body).catch(() => undefined), 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opts.body, result]);

  /** Runs `go` now, or after the person confirms the facts the repair does not hold. */
  async function guardSend(go: () => void) {
    if (!result) return go();
    const f = await check(live.current.body).catch(() => flags);
    if (f.length === 0) return go();
    setConfirm({ flags: f, go });
  }

  function reset() {
    setResult(null);
    setFlags([]);
    setConfirm(null);
  }

  const confirmDialog = confirm ? (
    <Dialog title="Send with facts the repair does not hold?" onClose={() => setConfirm(null)}>
      <p>These facts are not in the repair: {confirm.flags.map((f) => `“${f.text}”`).join(', ')}. Send anyway?</p>
      <ul className="draft-flags">
        {confirm.flags.map((f) => (
          <li key={`${f.start}-${f.text}`}>{f.why}</li>
        ))}
      </ul>
      <div className="actions">
        <button
          type="button"
          className="primary"
          onClick={() => {
            const go = confirm.go;
            setConfirm(null);
            go();
          }}
        >
          Send anyway
        </button>
        <button type="button" data-autofocus onClick={() => setConfirm(null)}>
          Edit first
        </button>
      </div>
    </Dialog>
  ) : null;

  return { draft, drafting, result, flags, problem, guardSend, confirmDialog, reset };
}

/** The text with each fact the repair does not hold marked, and a list naming them. */
export function DraftFacts({ body, result, flags }: { body: string; result: DraftResult | null; flags: FactFlag[] }): ReactNode {
  if (!result) return null;
  const parts: ReactNode[] = [];
  let at = 0;
  for (const f of flags) {
    if (f.start < at || f.end > body.length) continue;
    parts.push(body.slice(at, f.start));
    parts.push(
      <mark key={f.start} className="draft-fact" title={f.why}>
        {body.slice(f.start, f.end)}
      </mark>,
    );
    at = f.end;
  }
  parts.push(body.slice(at));
  return (
    <div className="draft-facts" role="group" aria-label="Draft facts">
      <p className="draft-source">
        {result.notice ? (
          <span className="draft-notice">{result.notice}</span>
        ) : result.source === 'model' ? (
          `Draft by ${[result.provider, result.model].filter(Boolean).join(' / ')}.`
        ) : (
          'Draft from your templates.'
        )}
      </p>
      {flags.length > 0 ? (
        <>
          <p className="draft-facts-body">{parts}</p>
          <p className="field-problem" role="alert">
            Not in the repair — check before sending:
          </p>
          <ul className="draft-flags">
            {flags.map((f) => (
              <li key={`${f.start}-${f.text}`}>
                <mark className="draft-fact">{f.text}</mark> {f.why}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="draft-ok">Every date, amount and number in it comes from the repair.</p>
      )}
      {result.unsure ? (
        <p className="draft-unsure" role="note">
          The model was not sure of the answer: the draft says the shop will check. Answer it yourself if you know.
        </p>
      ) : null}
      {result.factsUsed && result.factsUsed.length > 0 ? (
        <details className="draft-facts-used">
          <summary>Facts the model says it used ({result.factsUsed.length})</summary>
          <ul>
            {result.factsUsed.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
