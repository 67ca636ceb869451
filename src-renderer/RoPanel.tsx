// One repair order beside the board: its facts, the customer's portal link and the conversation
// (read when opened, answered from here). A first cut that the full repair-order view replaces.
import { useCallback, useEffect, useState } from 'react';
import type { BaylineApi } from '../src-shared/api/contract.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import type { PrintKind } from '../src-shared/printing.js';
import { STAGE_LABELS } from '../src-shared/stages.js';
import { PrintDialog } from './printing/PrintDialog.js';

export interface RoPanelProps {
  api: BaylineApi;
  roId: string;
  onClose(): void;
}

export function RoPanel({ api, roId, onClose }: RoPanelProps) {
  const [ro, setRo] = useState<RepairOrderDetail | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  const [printing, setPrinting] = useState<PrintKind[] | null>(null);

  const load = useCallback(async () => {
    try {
      let detail = await api.call('ro-get', { id: roId });
      // Opening the repair is reading what the customer wrote.
      if (detail.unreadMessages > 0) detail = await api.call('message-mark-read', { roId });
      setRo(detail);
      setProblem(null);
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
    }
  }, [api, roId]);

  useEffect(() => {
    void load();
    return api.onEvent((event) => {
      if (event.type === 'changed' && event.tables.some((t) => ['messages', 'repair_orders', 'attachments', 'portal_tokens', 'portal_counts'].includes(t))) {
        void load();
      }
    });
  }, [api, load]);

  async function send() {
    if (draft.trim() === '') return;
    setSending(true);
    try {
      setRo(await api.call('message-send', { roId, body: draft }));
      setDraft('');
      setProblem(null);
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
    } finally {
      setSending(false);
    }
  }

  const title = ro ? `RO ${ro.roNumber}` : 'Repair order';
  return (
    <aside className="ro-panel" aria-label={title}>
      <div className="ro-panel-head">
        <h2>{title}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {problem ? (
        <p role="alert" className="notice notice-problem">
          {problem}
        </p>
      ) : null}
      {ro ? (
        <>
          <p className="ro-customer">{ro.customerName}</p>
          <p>
            {ro.vehicle || 'Vehicle not entered'}
            {ro.plate ? ` · ${ro.plate}` : ''}
          </p>
          <p>
            Stage: <strong>{STAGE_LABELS[ro.stage]}</strong>
          </p>
          <section aria-label="Portal link" className="ro-portal">
            <h3>Customer portal</h3>
            {ro.portal.url ? (
              <p>
                <input readOnly aria-label="Portal link" value={ro.portal.url} onFocus={(e) => e.currentTarget.select()} />
              </p>
            ) : null}
            {ro.portal.problem ? <p className="muted">{ro.portal.problem}</p> : null}
            <p className="muted">
              {ro.portal.views === 1 ? 'Opened once' : `Opened ${ro.portal.views} times`}
            </p>
          </section>
          <section aria-label="Print" className="ro-print">
            <h3>Print</h3>
            <p className="ro-print-buttons">
              <button type="button" onClick={() => setPrinting(['work-order', 'tag'])}>
                Work order and tag
              </button>
              <button type="button" onClick={() => setPrinting(['work-order'])}>
                Work order
              </button>
              <button type="button" onClick={() => setPrinting(['tag'])}>
                Dashboard tag
              </button>
              <button type="button" onClick={() => setPrinting(['receipt'])}>
                Receipt
              </button>
            </p>
          </section>
          <section aria-label="Conversation" className="ro-conversation">
            <h3>Conversation</h3>
            {ro.messages.length === 0 ? <p className="muted">No messages yet.</p> : null}
            <ol className="messages">
              {ro.messages.map((m) => (
                <li key={m.id} className={m.direction === 'in' ? 'message message-in' : 'message message-out'}>
                  <p className="message-meta">
                    {m.author} · {new Date(m.at).toLocaleString()}
                  </p>
                  <p className="message-body">{m.body}</p>
                  {m.attachments.length > 0 ? (
                    <ul className="message-files" aria-label="Files sent with this message">
                      {m.attachments.map((a) => (
                        <li key={a.id}>{a.fileName}</li>
                      ))}
                    </ul>
                  ) : null}
                </li>
              ))}
            </ol>
            <label htmlFor="reply">Answer on the portal</label>
            <textarea id="reply" value={draft} maxLength={2000} onChange={(e) => setDraft(e.target.value)} />
            <button type="button" onClick={() => void send()} disabled={sending || draft.trim() === ''}>
              Send
            </button>
          </section>
        </>
      ) : null}
      {printing && ro ? <PrintDialog api={api} roId={ro.id} roNumber={ro.roNumber} kinds={printing} onClose={() => setPrinting(null)} /> : null}
    </aside>
  );
}
