// Signature requests made at the desk (issue 16): the document is drawn (or the shop's own PDF is
// checked), stored as an `attachments` row kind 'signature-document' carrying the request's id
// (so blob sync carries it to the relay like any RO document), and the `signature_requests` row
// is inserted in the same write with the SHA-256 of those exact bytes and state 'pending'. The
// relay does the rest (sends it, records what the customer does, seals and files the signed
// copy). A new version of a kind voids the older ones still unsigned. Every step is one write of
// the mutation layer, so it lands in the RO's hash-chained audit trail and syncs when it can.
import { createHash, randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import { PDFDocument } from 'pdf-lib';
import { ApiError } from '../../src-shared/api/errors.js';
import { MAX_BLOB_BYTES } from '../../src-shared/blob-types.js';
import {
  type ConsentView,
  type DocumentDetail,
  type DocumentLine,
  type RecordedDocumentDetail,
  type SignatureRequestView,
  type SignaturesView,
  SIGNATURE_KIND_LABELS,
  sumCents,
  supplementDiff,
} from '../../src-shared/esign/desk.js';
import { type esignDocumentArgs, parseEsignTerms } from '../../src-shared/esign/desk-args.js';
import {
  FINAL_SIGNATURE_STATES,
  MONEY_KINDS,
  SIGNATURE_DOCUMENT_ATTACHMENT_KIND,
  SIGNED_DOCUMENT_ATTACHMENT_KIND,
  type SignatureKind,
  type SignatureState,
} from '../../src-shared/esign/types.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import type { z } from 'zod';
import { intent } from '../api/actor.js';
import type { DeskContext, HandlerContext } from '../api/desk-context.js';
import { hasLocalBlob, importBlob, localBlobPath, readBlobHead, sniffMimeType } from '../blobs/local-blobs.js';
import { printedDateTime } from '../printing/format.js';
import { gatherPrintData } from '../printing/print-data.js';
import { loadDetail, vehicleLabel } from '../repair-orders/queries.js';
import { readSettings, SETTINGS_ID } from '../workspace/handlers.js';
import type { CustomerWords } from '../../src-shared/i18n/index.js';
import { customerTerms, renderSignatureDocument } from './documents.js';

type DocumentArgs = z.output<typeof esignDocumentArgs>;

const DAY_MS = 86_400_000;

export async function readEsignTerms(desk: DeskContext) {
  const row = await desk.db.selectFrom('workspace_settings').select('esign_terms').where('id', '=', SETTINGS_ID).executeTakeFirst();
  return parseEsignTerms(row?.esign_terms);
}

/** The customer's latest consent record: agreed, withdrawn, or none yet. */
export async function consentOf(desk: DeskContext, customerId: string): Promise<ConsentView> {
  const rows = await desk.db.selectFrom('signature_consents').selectAll().where('customer_id', '=', customerId).execute();
  const latest = rows
    .map((r) => ({ r, at: (r.withdrawn_at ?? '') > (r.agreed_at ?? '') ? (r.withdrawn_at ?? '') : (r.agreed_at ?? '') }))
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))[0]?.r;
  if (!latest) return { state: 'none', agreedAt: null, withdrawnAt: null, disclosureVersion: null };
  return {
    state: latest.withdrawn_at ? 'withdrawn' : 'agreed',
    agreedAt: latest.agreed_at,
    withdrawnAt: latest.withdrawn_at,
    disclosureVersion: latest.disclosure_version,
  };
}

export interface MadeSignatureDocument {
  kind: SignatureKind;
  title: string;
  fileName: string;
  pdf: Buffer;
  pages: number;
  detail: RecordedDocumentDetail;
  version: number;
}

/** Draws the document the arguments ask for (or checks the shop's own PDF), without storing anything. */
export async function makeSignatureDocument(ctx: HandlerContext, args: DocumentArgs): Promise<MadeSignatureDocument> {
  const { desk } = ctx;
  const ro = await loadDetail(desk, args.roId);
  const version = await nextVersion(desk, args.roId, args.kind);
  const label = SIGNATURE_KIND_LABELS[args.kind];
  if (args.kind === 'custom') {
    const { pdf, pages } = await checkShopPdf(desk, args.blobHash);
    return {
      kind: 'custom',
      title: args.title,
      fileName: args.fileName.toLowerCase().endsWith('.pdf') ? args.fileName : `${args.fileName}.pdf`,
      pdf,
      pages,
      detail: { kind: 'custom', fileName: args.fileName, sizeBytes: pdf.length },
      version,
    };
  }
  // The document is in the customer's words (their language, the shop's country); the detail
  // records which ones (`language`, `locale`), and the terms as they were printed.
  const data = await gatherPrintData(ctx, args.roId, 'work-order');
  const detail = await detailFor(desk, ro, args, data.words);
  const made = await renderSignatureDocument(data, detail, version);
  const title = args.kind === 'supplement' ? `${label} ${version}` : label;
  const fileName = `${args.kind}-${ro.roNumber}${args.kind === 'supplement' || version > 1 ? `-v${version}` : ''}.pdf`;
  const recorded = { ...detail, language: data.words.locale.language, locale: data.words.locale.intl };
  return { kind: args.kind, title, fileName, pdf: made.pdf, pages: made.pages, detail: recorded, version };
}

async function detailFor(
  desk: DeskContext,
  ro: RepairOrderDetail,
  args: Exclude<DocumentArgs, { kind: 'custom' }>,
  words: CustomerWords,
): Promise<Exclude<DocumentDetail, { kind: 'custom' }>> {
  const vehicle = vehicleLabel(ro.vehicleDetail);
  switch (args.kind) {
    case 'authorization': {
      const terms = customerTerms(await readEsignTerms(desk), words);
      return {
        kind: 'authorization',
        vehicle,
        vin: ro.vehicleDetail.vin,
        insurer: ro.insurer,
        claimNumber: ro.claimNumber,
        estimateTotalCents: ro.estimateTotalCents,
        deductibleCents: ro.deductibleCents,
        storageTerms: terms.storageTerms,
        paymentTerms: terms.paymentTerms,
        authorizationText: terms.authorizationText,
      };
    }
    case 'betterment':
      distinctLines(args.lines);
      return { kind: 'betterment', vehicle, lines: args.lines, totalCents: sumCents(args.lines) };
    case 'supplement': {
      distinctLines(args.lines);
      const lastSigned = await desk.db
        .selectFrom('signature_requests')
        .select(['version', 'document_detail'])
        .where('ro_id', '=', ro.id)
        .where('kind', '=', 'supplement')
        .where('state', '=', 'signed')
        .orderBy('version', 'desc')
        .executeTakeFirst();
      const before = lastSigned ? linesOf(lastSigned.document_detail) : [];
      const base = ro.estimateTotalCents ?? 0;
      return {
        kind: 'supplement',
        vehicle,
        lines: args.lines,
        comparedWithVersion: lastSigned?.version ?? null,
        diff: supplementDiff(before, args.lines),
        oldTotalCents: base + sumCents(before),
        newTotalCents: base + sumCents(args.lines),
      };
    }
    case 'pickup': {
      const terms = customerTerms(await readEsignTerms(desk), words);
      return { kind: 'pickup', vehicle, odometer: args.odometer, itemsReturned: args.itemsReturned, acceptanceText: terms.pickupAcceptanceText };
    }
  }
}

function linesOf(detail: string | null): DocumentLine[] {
  try {
    const parsed = JSON.parse(detail ?? 'null') as { lines?: DocumentLine[] } | null;
    return Array.isArray(parsed?.lines) ? parsed.lines : [];
  } catch {
    return [];
  }
}

function distinctLines(lines: readonly DocumentLine[]): void {
  const seen = new Map<string, number>();
  lines.forEach((l, i) => {
    const key = l.description.trim().replace(/\s+/g, ' ').toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ApiError('invalid-args', `Lines ${first + 1} and ${i + 1} are both “${l.description}”: give each line its own description, or add the amounts together.`, `lines.${i}.description`);
    }
    seen.set(key, i);
  });
}

/** The shop's own PDF: present at this desk, a real PDF, within the size limit, readable, not password-protected. */
async function checkShopPdf(desk: DeskContext, hash: string): Promise<{ pdf: Buffer; pages: number }> {
  if (!(await hasLocalBlob(desk.dataDir, hash))) {
    throw new ApiError('not-found', 'That file is not at this desk: add it again.', 'blobHash');
  }
  const type = sniffMimeType(await readBlobHead(desk.dataDir, hash));
  if (type !== 'application/pdf') {
    throw new ApiError('file-refused', `The shop’s own document must be a PDF (export the estimate as PDF); this file is ${type ? `a ${type.replace('image/', '').toUpperCase()} picture` : 'not a PDF'}.`, 'blobHash');
  }
  const { size } = await fsp.stat(localBlobPath(desk.dataDir, hash));
  if (size > MAX_BLOB_BYTES) {
    throw new ApiError('file-refused', `The PDF is ${Math.round(size / (1024 * 1024))} MB; a document to sign may be at most ${MAX_BLOB_BYTES / (1024 * 1024)} MB.`, 'blobHash');
  }
  const pdf = await fsp.readFile(localBlobPath(desk.dataDir, hash));
  let pages: number;
  try {
    pages = (await PDFDocument.load(pdf, { updateMetadata: false })).getPageCount();
  } catch (err) {
    const encrypted = /encrypt/i.test((err as Error).message);
    throw new ApiError(
      'file-refused',
      encrypted
        ? 'This PDF is password-protected: export it again without a password so the customer can read every page.'
        : 'This PDF cannot be read (it may be damaged): export it again from the estimating system.',
      'blobHash',
    );
  }
  if (pages < 1) throw new ApiError('file-refused', 'This PDF has no pages.', 'blobHash');
  return { pdf, pages };
}

async function nextVersion(desk: DeskContext, roId: string, kind: SignatureKind): Promise<number> {
  const row = await desk.db
    .selectFrom('signature_requests')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('ro_id', '=', roId)
    .where('kind', '=', kind)
    .executeTakeFirst();
  return Number(row?.v ?? 0) + 1;
}

/** Refuses when the customer withdrew consent to sign electronically: the shop uses paper. */
async function requireNoWithdrawal(desk: DeskContext, ro: RepairOrderDetail): Promise<void> {
  const consent = await consentOf(desk, ro.customer.id);
  if (consent.state !== 'withdrawn') return;
  const { timeZone } = await readSettings(desk);
  throw new ApiError(
    'esign-consent-withdrawn',
    `${ro.customerName} withdrew consent to sign electronically on ${printedDateTime(consent.withdrawnAt, timeZone) ?? 'an earlier visit'}: use paper. Print this document and have it signed at the counter.`,
  );
}

export async function createSignatureRequest(ctx: HandlerContext, args: DocumentArgs): Promise<string> {
  const { desk } = ctx;
  const ro = await loadDetail(desk, args.roId);
  await requireNoWithdrawal(desk, ro);
  const made = await makeSignatureDocument(ctx, args);
  const sha256 = createHash('sha256').update(made.pdf).digest('hex');
  const stored = await importBlob(desk, made.pdf, 'application/pdf');
  const terms = await readEsignTerms(desk);
  const now = desk.now();
  const id = randomUUID();
  const summary = `${made.title} sent for signature${made.kind !== 'supplement' && made.version > 1 ? ` (version ${made.version})` : ''}`;
  await desk.store.write(intent(ctx, 'esign-create', summary, args.roId), async (tx) => {
    // Another window of this desk may have made the same version meanwhile: one wins, the other is told.
    const taken = await tx.trx
      .selectFrom('signature_requests')
      .select('id')
      .where('ro_id', '=', args.roId)
      .where('kind', '=', made.kind)
      .where('version', '>=', made.version)
      .executeTakeFirst();
    if (taken) throw new ApiError('invalid-args', `Version ${made.version} of the ${SIGNATURE_KIND_LABELS[made.kind].toLowerCase()} was just made at another window: look at the list and make a new one if it is still needed.`);
    await tx.insert('signature_requests', {
      id,
      ro_id: args.roId,
      customer_id: ro.customer.id,
      kind: made.kind,
      title: made.title,
      version: made.version,
      document_blob_hash: stored.hash,
      document_sha256: sha256,
      document_pages: made.pages,
      document_detail: JSON.stringify(made.detail),
      needs_code: MONEY_KINDS.has(made.kind) ? 1 : 0,
      state: 'pending',
      created_at: now.toISOString(),
      created_by: ctx.session.staffId,
      expires_at: new Date(now.getTime() + terms.expiryDays * DAY_MS).toISOString(),
    });
    await tx.insert('attachments', {
      ro_id: args.roId,
      kind: SIGNATURE_DOCUMENT_ATTACHMENT_KIND,
      blob_hash: stored.hash,
      file_name: made.fileName,
      mime_type: 'application/pdf',
      size_bytes: stored.sizeBytes,
      published: 0,
      caption: made.title,
      source: 'desk',
      added_at: now.toISOString(),
      added_by: ctx.session.staffId,
      signature_request_id: id,
    });
    if (made.kind !== 'custom') {
      // A newer version supersedes the older ones the customer has not signed (or refused) yet.
      const older = await tx.trx
        .selectFrom('signature_requests')
        .select(['id', 'state'])
        .where('ro_id', '=', args.roId)
        .where('kind', '=', made.kind)
        .where('id', '!=', id)
        .execute();
      for (const o of older) {
        if (FINAL_SIGNATURE_STATES.has((o.state ?? 'pending') as SignatureState)) continue;
        await tx.update('signature_requests', o.id, {
          state: 'voided',
          voided_at: now.toISOString(),
          voided_by: id,
          state_detail: `Replaced by version ${made.version}`,
        });
      }
    }
  });
  return id;
}

export async function voidSignatureRequest(ctx: HandlerContext, requestId: string, reason: string | null): Promise<string> {
  const { desk } = ctx;
  return desk.store.write(intent(ctx, 'esign-void', 'Signature request withdrawn'), async (tx) => {
    const row = await tx.get('signature_requests', requestId);
    if (!row) throw new ApiError('not-found', 'That signature request is not in this workspace.', 'id');
    tx.roId = row.ro_id;
    const state = (row.state ?? 'pending') as SignatureState;
    if (state === 'signed') throw new ApiError('not-allowed', 'The customer already signed this document; a signed document cannot be withdrawn. Make a new version if something changed.', 'id');
    if (FINAL_SIGNATURE_STATES.has(state)) throw new ApiError('not-allowed', `This request is already ${state}; there is nothing to withdraw.`, 'id');
    await tx.update('signature_requests', requestId, {
      state: 'voided',
      voided_at: desk.now().toISOString(),
      voided_by: ctx.session.staffId ? `staff:${ctx.session.staffId}` : 'staff',
      state_detail: reason ? `Withdrawn by the shop: ${reason}` : 'Withdrawn by the shop',
    });
    return row.ro_id ?? '';
  });
}

export async function listSignatures(desk: DeskContext, roId: string): Promise<SignaturesView> {
  const ro = await loadDetail(desk, roId);
  const rows = await desk.db.selectFrom('signature_requests').selectAll().where('ro_id', '=', roId).orderBy('created_at', 'desc').orderBy('version', 'desc').execute();
  const signed = await desk.db
    .selectFrom('attachments')
    .select(['signature_request_id', 'blob_hash', 'file_name'])
    .where('ro_id', '=', roId)
    .where('kind', '=', SIGNED_DOCUMENT_ATTACHMENT_KIND)
    .where('removed_at', 'is', null)
    .execute();
  const sealed = new Map(signed.map((a) => [a.signature_request_id, { blobHash: a.blob_hash ?? '', fileName: a.file_name ?? 'signed.pdf' }]));
  const versions = new Map(rows.map((r) => [r.id, r.version]));
  const staff = new Map((await desk.db.selectFrom('staff').select(['id', 'name']).execute()).map((s) => [s.id, s.name ?? '']));
  const { timeZone } = await readSettings(desk);
  return {
    requests: rows.map((r) => toView(r, sealed.get(r.id) ?? null, versions, staff, timeZone)),
    consent: await consentOf(desk, ro.customer.id),
  };
}

function toView(
  r: RowOf<'signature_requests'>,
  signed: { blobHash: string; fileName: string } | null,
  versions: Map<string, number | null>,
  staff: Map<string, string>,
  timeZone: string,
): SignatureRequestView {
  const state = (r.state ?? 'pending') as SignatureState;
  let detail: DocumentDetail | null = null;
  try {
    detail = JSON.parse(r.document_detail ?? 'null') as DocumentDetail | null;
  } catch {
    detail = null;
  }
  void timeZone;
  const [stateText, stateAt] = ((): [string, string | null] => {
    switch (state) {
      case 'pending':
        return ['Waiting to go out (sent when the relay has it)', r.created_at];
      case 'sent':
        return ['Sent to the customer', r.sent_at];
      case 'opened':
        return ['Opened by the customer', r.opened_at];
      case 'signed':
        return [`Signed${r.signer_name ? ` by ${r.signer_name}` : ''}`, r.signed_at];
      case 'declined':
        return [`Declined${r.decline_reason ? `: “${r.decline_reason}”` : ''}`, r.declined_at];
      case 'expired':
        return ['Expired unsigned', r.expires_at];
      case 'voided': {
        const by = r.voided_by ?? '';
        if (versions.has(by)) return [`Voided: replaced by version ${versions.get(by)}`, r.voided_at];
        const who = by.startsWith('staff:') ? staff.get(by.slice(6)) : null;
        return [`Voided${who ? ` by ${who}` : ' by the shop'}`, r.voided_at];
      }
      case 'locked':
        return ['Locked after too many wrong codes: make a new request', r.locked_at];
    }
  })();
  return {
    id: r.id,
    kind: (r.kind ?? 'custom') as SignatureKind,
    title: r.title ?? SIGNATURE_KIND_LABELS[(r.kind ?? 'custom') as SignatureKind],
    version: r.version ?? 1,
    state,
    stateText,
    stateAt,
    stateDetail: r.state_detail,
    needsCode: r.needs_code === 1,
    createdAt: r.created_at ?? '',
    createdBy: r.created_by ? (staff.get(r.created_by) ?? null) : null,
    expiresAt: r.expires_at,
    sentAt: r.sent_at,
    openedAt: r.opened_at,
    signedAt: r.signed_at,
    signerName: r.signer_name,
    declinedAt: r.declined_at,
    declineReason: r.decline_reason,
    voidedAt: r.voided_at,
    voidedBy: r.voided_by,
    lockedAt: r.locked_at,
    documentBlobHash: r.document_blob_hash,
    documentSha256: r.document_sha256,
    documentPages: r.document_pages ?? 0,
    detail,
    signed,
  };
}
