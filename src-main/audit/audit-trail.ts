// Reading and checking the audit trail: entries in plain words for the activity list, and the
// hash-chain verification behind `verify-audit`.
import type BetterSqlite3 from 'better-sqlite3';
import type { AuditEntry } from '../../src-shared/domain.js';
import {
  type AuditDetail,
  type AuditVerification,
  type StoredAuditEvent,
  verifyAuditChain,
} from '../../src-shared/sync/audit-chain.js';

export function verifyAudit(sqlite: BetterSqlite3.Database): AuditVerification {
  const events = sqlite
    .prepare('SELECT id, node, seq, at, actor, action, ro_id, detail, prev_hash, hash FROM audit_events')
    .all() as StoredAuditEvent[];
  const heads = Object.fromEntries(
    (sqlite.prepare("SELECT key, value FROM meta WHERE key LIKE 'audit_head:%'").all() as { key: string; value: string }[]).map(
      (r) => [r.key.slice('audit_head:'.length), Number(r.value)],
    ),
  );
  return verifyAuditChain(events, heads);
}

export function describeProblem(p: AuditVerification['problems'][number]): string {
  switch (p.kind) {
    case 'altered':
      return `Audit event ${p.eventId} (node ${p.node}, number ${p.seq}, ${p.action ?? 'unknown action'} at ${p.at ?? 'unknown time'}) was altered after it was written.`;
    case 'missing':
      return `Audit event number ${p.seq} of node ${p.node} is missing${p.after ? ` (it came after event ${p.after})` : ''}.`;
    case 'relinked':
      return `Audit event ${p.eventId} (node ${p.node}, number ${p.seq}) no longer links to the event before it: an event was removed and the chain re-linked.`;
  }
}

export function listAudit(sqlite: BetterSqlite3.Database, filter: { roId?: string; limit: number }): AuditEntry[] {
  const rows = (
    filter.roId
      ? sqlite.prepare('SELECT * FROM audit_events WHERE ro_id = ? ORDER BY at DESC, seq DESC LIMIT ?').all(filter.roId, filter.limit)
      : sqlite.prepare('SELECT * FROM audit_events ORDER BY at DESC, seq DESC LIMIT ?').all(filter.limit)
  ) as StoredAuditEvent[];
  const staff = new Map(
    (sqlite.prepare('SELECT id, name FROM staff').all() as { id: string; name: string | null }[]).map((s) => [s.id, s.name ?? '']),
  );
  return rows.map((r) => {
    const detail = safeDetail(r.detail);
    const actor = r.actor ?? '';
    return {
      id: r.id,
      at: r.at ?? '',
      actor,
      actorName: actorName(actor, staff),
      action: r.action ?? '',
      summary: detail.summary,
      roId: r.ro_id,
      changes: detail.diffs,
    };
  });
}

function actorName(actor: string, staff: Map<string, string>): string {
  if (actor.startsWith('staff:')) return staff.get(actor.slice(6)) || 'A staff member';
  if (actor.startsWith('desk:')) return 'Front desk (nobody switched in)';
  if (actor.startsWith('command-line:')) return 'Command line (npm run desk -- api)';
  if (actor === 'customer') return 'Customer';
  if (actor.startsWith('provider:')) return 'Work provider (insurer)';
  // The relay and the desk's own jobs act for the shop: to staff they are simply Bayline.
  if (actor === 'system' || actor === 'relay' || actor.startsWith('relay:') || actor === '') return 'Bayline';
  return actor;
}

function safeDetail(detail: string | null): AuditDetail {
  try {
    return JSON.parse(detail ?? '') as AuditDetail;
  } catch {
    return { summary: '(unreadable entry)', diffs: [] };
  }
}
