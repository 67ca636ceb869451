// Making a document to sign: the lines of a betterment or supplement (description and amount the
// customer sees), the odometer and items of a pickup, or the shop's own PDF. "Preview" draws the
// exact document; "Send to sign" stores it and the request. When the customer withdrew consent
// to sign electronically the desk says so and prints the same document for a paper signature.
import { type FormEvent, useState } from 'react';
import type { ArgsOf } from '../../src-shared/api/contract.js';
import { ApiError } from '../../src-shared/api/errors.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { SIGNATURE_KIND_LABELS, type RenderedSignatureDocument, type SignaturesView } from '../../src-shared/esign/desk.js';
import type { SignatureKind } from '../../src-shared/esign/types.js';
import { pageSizeMicrons, PAPERS } from '../../src-shared/printing.js';
import { PdfPreview } from '../printing/PdfPreview.js';
import { sendToPrinter } from '../printing/print-output.js';
import { Dialog } from '../shared/Dialog.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoney, messageOf, parseMoney } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';

interface LineDraft {
  description: string;
  amount: string;
}

export function EsignDialog({
  ro,
  kind,
  consentWithdrawn,
  onDone,
  onClose,
}: {
  ro: RepairOrderDetail;
  kind: SignatureKind;
  consentWithdrawn: boolean;
  onDone(view: SignaturesView): void;
  onClose(): void;
}) {
  const { api, announce } = useDesk();
  const [lines, setLines] = useState<LineDraft[]>([{ description: '', amount: '' }]);
  const [odometer, setOdometer] = useState('');
  const [items, setItems] = useState('');
  const [file, setFile] = useState<{ hash: string; name: string } | null>(null);
  const [title, setTitle] = useState('Estimate');
  const [preview, setPreview] = useState<RenderedSignatureDocument | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [paperOffer, setPaperOffer] = useState(consentWithdrawn);
  const [busy, setBusy] = useState<string | null>(null);

  /** The arguments, or a sentence saying what to fix first. */
  function args(): ArgsOf<'esign-create'> | string {
    switch (kind) {
      case 'authorization':
        return { roId: ro.id, kind };
      case 'betterment':
      case 'supplement': {
        const filled = lines.filter((l) => l.description.trim() || l.amount.trim());
        if (filled.length === 0) return 'Add at least one line: what it is and the amount.';
        const parsed = [];
        for (const [i, l] of filled.entries()) {
          const cents = parseMoney(l.amount);
          if (!l.description.trim()) return `Line ${i + 1} needs a description.`;
          if (cents === null || Number.isNaN(cents)) return `Line ${i + 1}: enter the amount as dollars and cents, like 112.50 (no minus sign).`;
          parsed.push({ description: l.description.trim(), amountCents: cents });
        }
        return { roId: ro.id, kind, lines: parsed };
      }
      case 'pickup': {
        const miles = Number(odometer.replace(/[,\s]/g, ''));
        if (!odometer.trim() || !Number.isInteger(miles) || miles < 0) return 'Enter the odometer reading in whole miles.';
        return { roId: ro.id, kind, odometer: miles, itemsReturned: items.split('\n').map((s) => s.trim()).filter(Boolean) };
      }
      case 'custom':
        if (!file) return 'Choose the PDF exported from the estimating system.';
        return { roId: ro.id, kind, blobHash: file.hash, fileName: file.name, title: title.trim() || 'Estimate' };
    }
  }

  async function run(what: 'preview' | 'send' | 'paper', e?: FormEvent) {
    e?.preventDefault();
    const a = args();
    if (typeof a === 'string') {
      setProblem(a);
      return;
    }
    setProblem(null);
    try {
      if (what === 'send') {
        setBusy('Making the document…');
        const view = await api.call('esign-create', a);
        announce(`${SIGNATURE_KIND_LABELS[kind]} sent to ${ro.customerName} to sign.`);
        onDone(view);
        return;
      }
      setBusy('Drawing the document…');
      const doc = await api.call('esign-render', a);
      if (what === 'preview') setPreview(doc);
      else {
        const out = await sendToPrinter(
          { kind: 'work-order', paper: 'letter', fileName: doc.fileName, pdfBase64: doc.pdfBase64, pageSizeMicrons: pageSizeMicrons(PAPERS.letter.width, PAPERS.letter.height), customerUrl: null, problem: null },
          { paper: 'letter', printer: null },
        );
        if (!out.ok) setProblem(out.problem);
        else announce('Printed for a paper signature.');
      }
    } catch (err) {
      if (err instanceof ApiError && err.code === 'esign-consent-withdrawn') setPaperOffer(true);
      setProblem(messageOf(err));
    } finally {
      setBusy(null);
    }
  }

  async function choose(f: File | undefined) {
    if (!f) return;
    setProblem(null);
    try {
      setBusy(`Adding ${f.name}…`);
      const stored = await api.files.upload(f, f.type || 'application/pdf');
      setFile({ hash: stored.hash, name: f.name });
      setTitle(f.name.replace(/\.pdf$/i, '').slice(0, 120) || 'Estimate');
    } catch (err) {
      setProblem(`${f.name}: ${messageOf(err)}`);
    } finally {
      setBusy(null);
    }
  }

  const total = lines.reduce((s, l) => {
    const c = parseMoney(l.amount);
    return c !== null && !Number.isNaN(c) ? s + c : s;
  }, 0);

  return (
    <Dialog title={`${SIGNATURE_KIND_LABELS[kind]} · RO ${ro.roNumber}`} onClose={onClose} className="esign-dialog">
      <form onSubmit={(e) => void run('send', e)}>
        {kind === 'authorization' ? (
          <p>The vehicle, insurer and claim, estimate total and deductible come from this repair; the storage and payment terms from Settings › E-signature.</p>
        ) : null}
        {kind === 'betterment' || kind === 'supplement' ? (
          <fieldset className="esign-lines">
            <legend>{kind === 'betterment' ? 'Parts the customer pays betterment on' : 'Supplement lines (all of them: the document shows what changed since the last signed version)'}</legend>
            {lines.map((l, i) => (
              <div key={i} className="esign-line">
                <input
                  aria-label={`Line ${i + 1} description`}
                  placeholder="Description"
                  value={l.description}
                  maxLength={200}
                  onChange={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, description: e.target.value } : x)))}
                />
                <input
                  aria-label={`Line ${i + 1} amount`}
                  placeholder="0.00"
                  inputMode="decimal"
                  value={l.amount}
                  onChange={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, amount: e.target.value } : x)))}
                />
                <button type="button" className="quiet" aria-label={`Remove line ${i + 1}`} onClick={() => setLines(lines.filter((_, j) => j !== i))}>
                  ✕
                </button>
              </div>
            ))}
            <div className="actions">
              <button type="button" onClick={() => setLines([...lines, { description: '', amount: '' }])}>
                Add line
              </button>
              <span className="muted">Lines total {formatMoney(total)}</span>
            </div>
          </fieldset>
        ) : null}
        {kind === 'pickup' ? (
          <>
            <label className="field">
              <span>Odometer (miles)</span>
              <input inputMode="numeric" value={odometer} onChange={(e) => setOdometer(e.target.value)} />
            </label>
            <label className="field">
              <span>Items returned (one a line: spare key, child seat…)</span>
              <textarea rows={3} value={items} onChange={(e) => setItems(e.target.value)} />
            </label>
          </>
        ) : null}
        {kind === 'custom' ? (
          <>
            <label className="field">
              <span>PDF exported from the estimating system</span>
              <input type="file" accept="application/pdf" onChange={(e) => void choose(e.target.files?.[0])} />
            </label>
            {file ? <p className="small">Added: {file.name}</p> : null}
            <label className="field">
              <span>Name the customer sees</span>
              <input value={title} maxLength={120} onChange={(e) => setTitle(e.target.value)} />
            </label>
          </>
        ) : null}
        {busy ? <p role="status">{busy}</p> : null}
        <FieldProblem text={problem} />
        {paperOffer ? (
          <p className="notice">
            {consentWithdrawn ? `${ro.customerName} withdrew consent to sign electronically: use paper. ` : ''}
            <button type="button" onClick={() => void run('paper')}>
              Print for a paper signature
            </button>
          </p>
        ) : null}
        <div className="actions">
          <button type="button" onClick={() => void run('preview')}>
            Preview
          </button>
          <button type="submit" className="primary" disabled={busy !== null || consentWithdrawn}>
            Send to sign
          </button>
        </div>
      </form>
      {preview ? <PdfPreview pdfBase64={preview.pdfBase64} label={`${preview.title} for RO ${ro.roNumber}`} width={520} /> : null}
    </Dialog>
  );
}
