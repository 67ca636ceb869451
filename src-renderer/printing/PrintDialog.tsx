// Printing one repair's documents: the real PDFs previewed side by side, paper (and, in the
// Electron window, printer) per document remembered on this PC, and one button that prints
// them all. In the browser host each PDF opens in its own tab to print from there.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { BaylineApi } from '../../src-shared/api/contract.js';
import {
  KIND_LABELS,
  PAPERS,
  PAPERS_FOR,
  type Paper,
  type PrinterChoice,
  type PrintKind,
  type PrintSettings,
  type RenderedPrint,
} from '../../src-shared/printing.js';
import { PdfPreview } from './PdfPreview.js';
import { canPrintDirectly, sendToPrinter } from './print-output.js';
import './printing.css';

export interface PrintDialogProps {
  api: BaylineApi;
  roId: string;
  roNumber: number;
  /** The documents to offer, in order (check-in offers the work order and the tag together). */
  kinds: PrintKind[];
  onClose(): void;
}

type DocState = { status: 'loading' } | { status: 'ready'; doc: RenderedPrint } | { status: 'failed'; problem: string };

export function PrintDialog({ api, roId, roNumber, kinds, onClose }: PrintDialogProps) {
  const [settings, setSettings] = useState<PrintSettings | null>(null);
  const [printers, setPrinters] = useState<PrinterChoice[] | null>(null);
  const [docs, setDocs] = useState<Partial<Record<PrintKind, DocState>>>({});
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ tone: 'ok' | 'problem'; text: string } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const direct = canPrintDirectly();

  const renderKind = useCallback(
    async (kind: PrintKind, paper?: Paper) => {
      setDocs((d) => ({ ...d, [kind]: { status: 'loading' } }));
      try {
        const doc = await api.call('print-render', { roId, kind, paper });
        setDocs((d) => ({ ...d, [kind]: { status: 'ready', doc } }));
      } catch (err) {
        setDocs((d) => ({ ...d, [kind]: { status: 'failed', problem: err instanceof Error ? err.message : String(err) } }));
      }
    },
    [api, roId],
  );

  useEffect(() => {
    heading.current?.focus();
    void api.call('print-settings-get', {}).then(setSettings, () => undefined);
    void window.baylinePrinting?.printers().then(setPrinters, () => setPrinters([]));
    // One after the other: both documents may need a link issued, and they must get the same one.
    void (async () => {
      for (const kind of kinds) await renderKind(kind);
    })();
  }, [api, kinds, renderKind]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  async function choosePaper(kind: PrintKind, paper: Paper) {
    setSettings(await api.call('print-settings-save', { kind, paper }));
    await renderKind(kind, paper);
  }

  async function choosePrinter(kind: PrintKind, printer: string) {
    setSettings(await api.call('print-settings-save', { kind, printer: printer === '' ? null : printer }));
  }

  async function print(which: PrintKind[]) {
    if (!settings) return;
    setBusy(true);
    setOutcome(null);
    const problems: string[] = [];
    let printed = 0;
    for (const kind of which) {
      const state = docs[kind];
      if (state?.status !== 'ready') continue;
      const result = await sendToPrinter(state.doc, settings[kind]);
      if (result.ok) printed += 1;
      else problems.push(`${KIND_LABELS[kind]}: ${result.problem}`);
    }
    setBusy(false);
    if (problems.length > 0) setOutcome({ tone: 'problem', text: problems.join(' ') });
    else if (printed > 0) setOutcome({ tone: 'ok', text: direct ? `Sent to the printer (${printed} ${printed === 1 ? 'document' : 'documents'}).` : 'Opened in a new tab: print it from there.' });
  }

  const allReady = kinds.every((k) => docs[k]?.status === 'ready');
  const title = `Print for RO ${roNumber}`;
  return (
    <div className="print-backdrop">
      <div className="print-dialog" role="dialog" aria-modal="true" aria-labelledby="print-title">
        <div className="print-head">
          <h2 id="print-title" ref={heading} tabIndex={-1}>
            {title}
          </h2>
          <button type="button" onClick={onClose}>
            {kinds.length > 1 ? 'Not now' : 'Close'}
          </button>
        </div>
        <div className="print-docs">
          {kinds.map((kind) => {
            const state = docs[kind];
            const preference = settings?.[kind];
            return (
              <section key={kind} className="print-doc" aria-label={KIND_LABELS[kind]}>
                <h3>{KIND_LABELS[kind]}</h3>
                <div className="print-options">
                  <label>
                    Paper
                    <select
                      value={state?.status === 'ready' ? state.doc.paper : (preference?.paper ?? '')}
                      onChange={(e) => void choosePaper(kind, e.target.value as Paper)}
                      disabled={!settings}
                    >
                      {PAPERS_FOR[kind].map((p) => (
                        <option key={p} value={p}>
                          {PAPERS[p].label}
                        </option>
                      ))}
                    </select>
                  </label>
                  {direct ? (
                    <label>
                      Printer
                      <select value={preference?.printer ?? ''} onChange={(e) => void choosePrinter(kind, e.target.value)} disabled={!settings || printers === null}>
                        <option value="">Ask each time</option>
                        {(printers ?? []).map((p) => (
                          <option key={p.name} value={p.name}>
                            {p.displayName}
                            {p.isDefault ? ' (default)' : ''}
                          </option>
                        ))}
                      </select>
                    </label>
                  ) : null}
                </div>
                {state?.status === 'ready' ? (
                  <>
                    {state.doc.problem ? <p className="print-warning">No QR code: {state.doc.problem}</p> : null}
                    <PdfPreview pdfBase64={state.doc.pdfBase64} label={`${KIND_LABELS[kind]} for RO ${roNumber}`} width={420} />
                    {!direct ? (
                      <button type="button" onClick={() => void print([kind])} disabled={busy}>
                        Open {KIND_LABELS[kind].toLowerCase()} to print
                      </button>
                    ) : null}
                  </>
                ) : state?.status === 'failed' ? (
                  <p role="alert" className="print-warning">
                    {state.problem}
                  </p>
                ) : (
                  <p className="pdf-note">Preparing the {KIND_LABELS[kind].toLowerCase()}…</p>
                )}
              </section>
            );
          })}
        </div>
        <div className="print-foot">
          {outcome ? (
            <p role="status" className={outcome.tone === 'ok' ? 'print-ok' : 'print-warning'}>
              {outcome.text}
            </p>
          ) : null}
          {direct ? (
            <button type="button" className="primary" onClick={() => void print(kinds)} disabled={busy || !allReady || !settings}>
              {kinds.length > 1 ? `Print ${kinds.map((k) => KIND_LABELS[k].toLowerCase()).join(' and ')}` : 'Print'}
            </button>
          ) : null}
        </div>
      </div>
    </div>
  );
}
