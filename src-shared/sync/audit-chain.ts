// The audit trail's tamper evidence: each node chains its own events by hash, so an edited
// or removed event breaks the chain at a place verify can name.
import { createHash } from 'node:crypto';

export interface AuditRowDiff {
  table: string;
  id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
}

export interface AuditDetail {
  summary: string;
  diffs: AuditRowDiff[];
}

export interface AuditEventFields {
  id: string;
  node: string;
  seq: number;
  at: string;
  actor: string;
  action: string;
  ro_id: string | null;
  detail: string;
  prev_hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function auditHash(e: AuditEventFields): string {
  const canonical = JSON.stringify([e.id, e.node, e.seq, e.at, e.actor, e.action, e.ro_id, e.detail, e.prev_hash]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface StoredAuditEvent {
  id: string;
  node: string | null;
  seq: number | null;
  at: string | null;
  actor: string | null;
  action: string | null;
  ro_id: string | null;
  detail: string | null;
  prev_hash: string | null;
  hash: string | null;
}

export type AuditProblem =
  | { kind: 'altered'; eventId: string; node: string; seq: number; at: string | null; action: string | null }
  | { kind: 'missing'; node: string; seq: number; after: string | null }
  | { kind: 'relinked'; eventId: string; node: string; seq: number };

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** The first problem in each node's chain, earliest first. */
  problems: AuditProblem[];
}

/**
 * Walks every node's chain in sequence order. An event whose content no longer matches its
 * hash is "altered"; a gap in the sequence is "missing"; an event whose prev_hash does not
 * point at its predecessor was re-chained by hand after a removal ("relinked").
 * `expectedHeads` (node → last seq) catches removal of a node's newest events.
 */
export function verifyAuditChain(
  events: StoredAuditEvent[],
  expectedHeads: Record<string, number> = {},
): AuditVerification {
  const byNode = new Map<string, StoredAuditEvent[]>();
  for (const e of events) {
    const node = e.node ?? '';
    let list = byNode.get(node);
    if (!list) byNode.set(node, (list = []));
    list.push(e);
  }
  const problems: AuditProblem[] = [];
  for (const [node, list] of byNode) {
    list.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let previousId: string | null = null;
    for (const e of list) {
      const seq = e.seq ?? -1;
      if (seq !== expectedSeq) {
        problems.push({ kind: 'missing', node, seq: expectedSeq, after: previousId });
        break;
      }
      const recomputed = auditHash({
        id: e.id,
        node,
        seq,
        at: e.at ?? '',
        actor: e.actor ?? '',
        action: e.action ?? '',
        ro_id: e.ro_id,
        detail: e.detail ?? '',
        prev_hash: e.prev_hash ?? '',
      });
      if (recomputed !== e.hash) {
        problems.push({ kind: 'altered', eventId: e.id, node, seq, at: e.at, action: e.action });
        break;
      }
      if (e.prev_hash !== prevHash) {
        problems.push({ kind: 'relinked', eventId: e.id, node, seq });
        break;
      }
      prevHash = e.hash;
      previousId = e.id;
      expectedSeq += 1;
    }
    const head = expectedHeads[node];
    if (head !== undefined && expectedSeq - 1 < head && !problems.some((p) => p.node === node)) {
      problems.push({ kind: 'missing', node, seq: expectedSeq, after: previousId });
    }
  }
  for (const [node, head] of Object.entries(expectedHeads)) {
    if (!byNode.has(node) && head > 0) problems.push({ kind: 'missing', node, seq: 1, after: null });
  }
  return { ok: problems.length === 0, checked: events.length, problems };
}
