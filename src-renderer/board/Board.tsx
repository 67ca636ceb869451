// The production board: every open repair under its stage, with filters. Cards move by drag or by
// Alt+←/→; a move that makes the promised date unrealistic asks for a new date and a reason first.
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { RepairOrderSummary } from '../../src-shared/domain.js';
import { type Stage, STAGE_LABELS, STAGES, stageIndex } from '../../src-shared/stages.js';
import { isMilestoneStage } from '../../src-shared/drafting/milestones.js';
import { useDesk } from '../shared/desk-context.js';
import { deskWords, messageOf, plural, today } from '../shared/format.js';
import { Loading, Problem } from '../shared/Notice.js';
import { useShopDay } from '../shared/use-shop-day.js';
import { applyFilter, type BoardFilter, insurersOf, isFiltered, NO_FILTER, NO_INSURER, UNASSIGNED } from './filters.js';
import { PromiseDialog } from './MoveDialog.js';
import { promiseAtRisk } from './promise-check.js';
import { RepairCard } from './RepairCard.js';
import { useBoard } from './use-board.js';
import { StaffNotices } from '../automations/StaffNotices.js';

export function Board({ stale }: { stale: boolean }) {
  const { api, staff, go, announce, shop } = useDesk();
  const board = useBoard(api);
  // Cards turn overdue at the shop's midnight even when nothing else changes.
  useShopDay(shop?.timeZone, () => void board.reload());
  const [filter, setFilter] = useState<BoardFilter>(NO_FILTER);
  const [asking, setAsking] = useState<{ ro: RepairOrderSummary; stage: Stage; suggested: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [dropTarget, setDropTarget] = useState<Stage | null>(null);
  // After a drag or a key move to Supplement approved, Completed or Delivered: the offer to draft.
  const [offer, setOffer] = useState<{ ro: RepairOrderSummary; stage: Stage } | null>(null);
  const focusAfterMove = useRef<{ id: string; stage: Stage } | null>(null);

  const ros = board.data;
  const shown = useMemo(() => applyFilter(ros ?? [], filter), [ros, filter]);
  // Filtering hides cards rather than unmounting them: clearing a filter on a full board then
  // costs attribute changes, not hundreds of cards built again.
  const visible = useMemo(() => new Set(shown.map((r) => r.id)), [shown]);
  const byStage = useMemo(() => groupByStage(ros ?? []), [ros]);
  const insurers = useMemo(() => insurersOf(ros ?? []), [ros]);
  const staffNames = useMemo(() => new Map(staff.map((s) => [s.id, s.name])), [staff]);

  // After a keyboard move the card is in another column: keep the focus on it (before the frame
  // is painted, so the next key press already reaches it).
  useLayoutEffect(() => {
    const target = focusAfterMove.current;
    // While the promised-date dialog is open the board is inert; the focus comes back when it closes.
    if (!target || asking) return;
    // Only once the card is in its new column (a reload may render it in the old one first).
    const button = document.querySelector<HTMLButtonElement>(`#stage-cards-${target.stage} button[data-ro-id="${CSS.escape(target.id)}"]`);
    if (button) {
      button.focus();
      focusAfterMove.current = null;
    }
  }, [shown, asking]);

  const save = useCallback(
    async (ro: RepairOrderSummary, stage: Stage, promise?: { date: string; reason: string }): Promise<string | null> => {
      try {
        if (promise) await api.call('ro-change-promised-date', { id: ro.id, date: promise.date, reason: promise.reason });
        await api.call('ro-move-stage', { id: ro.id, stage });
        board.patch(ro.id, { stage, subStatus: null });
        // The desk's own `changed` event follows; reading the card here too keeps the screen right if it is missed.
        void board.refresh([ro.id]);
        announce(`RO ${ro.roNumber} moved to ${STAGE_LABELS[stage]}.`);
        setProblem(null);
        setOffer(isMilestoneStage(stage) ? { ro, stage } : null);
        return null;
      } catch (err) {
        const text = `RO ${ro.roNumber} was not moved: ${messageOf(err)}`;
        setProblem(text);
        return text;
      }
    },
    [api, board.patch, board.refresh, announce],
  );

  const move = useCallback(
    (ro: RepairOrderSummary, stage: Stage) => {
      if (stage === ro.stage) return;
      const suggested = promiseAtRisk(ro.promisedDate, stage, today());
      if (suggested) setAsking({ ro, stage, suggested });
      else void save(ro, stage);
    },
    [save],
  );

  const step = useCallback(
    (ro: RepairOrderSummary, direction: -1 | 1) => {
      const next = STAGES[stageIndex(ro.stage) + direction];
      if (!next) return;
      focusAfterMove.current = { id: ro.id, stage: next };
      move(ro, next);
    },
    [move],
  );

  const open = useCallback((id: string) => go({ name: 'repair-order', id }), [go]);

  if (!ros) return board.problem ? <Problem text={board.problem} /> : <Loading what="the repair board" />;

  return (
    <div className="board-screen">
      <form className="filters" aria-label="Filter the board" onSubmit={(e) => e.preventDefault()}>
        <label className="field-inline">
          <span>{deskWords().insurer}</span>
          <select value={filter.insurer} onChange={(e) => setFilter({ ...filter, insurer: e.target.value })}>
            <option value="">All insurers</option>
            {insurers.map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
            <option value={NO_INSURER}>No insurer (customer pay)</option>
          </select>
        </label>
        <label className="field-inline">
          <span>Assigned to</span>
          <select value={filter.assignedStaffId} onChange={(e) => setFilter({ ...filter, assignedStaffId: e.target.value })}>
            <option value="">Anyone</option>
            {staff.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
            <option value={UNASSIGNED}>Nobody yet</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={filter.overdue} onChange={(e) => setFilter({ ...filter, overdue: e.target.checked })} />
          Overdue
        </label>
        <label className="check">
          <input type="checkbox" checked={filter.hasException} onChange={(e) => setFilter({ ...filter, hasException: e.target.checked })} />
          Has a delay
        </label>
        <label className="check">
          <input type="checkbox" checked={filter.unread} onChange={(e) => setFilter({ ...filter, unread: e.target.checked })} />
          New messages
        </label>
        <p className="filter-count" aria-live="polite">
          {isFiltered(filter) ? `Showing ${shown.length} of ${plural(ros.length, 'open repair')}` : plural(ros.length, 'open repair')}
        </p>
        {isFiltered(filter) ? (
          <button type="button" className="quiet" onClick={() => setFilter(NO_FILTER)}>
            Clear filters
          </button>
        ) : null}
        <p id="move-hint" className="move-hint muted">
          Move a card: drag it, or press Alt+→ / Alt+← on its RO number.
        </p>
      </form>
      <StaffNotices />
      <Problem text={problem ?? (stale ? null : board.problem)} />
      {offer ? (
        <div className="panel milestone-offer" role="group" aria-label="Tell the customer">
          <p>
            RO {offer.ro.roNumber} is at <strong>{STAGE_LABELS[offer.stage]}</strong>: a moment {offer.ro.customerName} will want to hear about. The draft opens in the repair's
            text box for you to read and edit; nothing is sent until you press Send.
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => go({ name: 'repair-order', id: offer.ro.id, draftMilestone: offer.stage })}>
              Draft a message to the customer
            </button>
            <button type="button" onClick={() => setOffer(null)}>
              Not now
            </button>
          </div>
        </div>
      ) : null}
      {ros.length === 0 ? (
        <div className="empty-board">
          <h2>No cars in the shop yet</h2>
          <p>When a customer calls or walks in, check their car in and it appears here under Pictures.</p>
          <button type="button" className="primary" onClick={() => go({ name: 'check-in' })}>
            Check a car in
          </button>
        </div>
      ) : null}
      <main aria-label="Repair board" className={stale ? 'board board-stale' : 'board'}>
        {STAGES.map((stage) => {
          const all = byStage.get(stage) ?? [];
          const count = isFiltered(filter) ? all.filter((r) => visible.has(r.id)).length : all.length;
          const headingId = `stage-${stage}`;
          return (
            <section
              key={stage}
              className={dropTarget === stage ? 'stage drop-target' : 'stage'}
              aria-labelledby={headingId}
              onDragOver={(e) => {
                if (!e.dataTransfer.types.includes('application/x-bayline-ro')) return;
                e.preventDefault();
                e.dataTransfer.dropEffect = 'move';
                if (dropTarget !== stage) setDropTarget(stage);
              }}
              onDragLeave={(e) => {
                if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDropTarget(null);
              }}
              onDrop={(e) => {
                e.preventDefault();
                setDropTarget(null);
                const id = e.dataTransfer.getData('application/x-bayline-ro');
                const ro = ros.find((r) => r.id === id);
                if (ro) move(ro, stage);
              }}
            >
              <div className="stage-head">
                <h2 id={headingId}>{STAGE_LABELS[stage]}</h2>
                <span className="stage-count">
                  <span aria-hidden="true">{count}</span>
                  <span className="visually-hidden">{plural(count, 'repair order')}</span>
                </span>
              </div>
              {count === 0 ? <p className="stage-empty">{all.length > 0 ? 'None that match' : 'No cars at this stage'}</p> : null}
              {all.length === 0 ? null : (
                <ul id={`stage-cards-${stage}`} className="stage-cards" aria-label={`Repair orders at ${STAGE_LABELS[stage]}`} hidden={count === 0}>
                  {all.map((ro) => (
                    <li key={ro.id} hidden={!visible.has(ro.id)}>
                      <RepairCard
                        ro={ro}
                        assignedName={ro.assignedStaffId ? (staffNames.get(ro.assignedStaffId) ?? null) : null}
                        onOpen={open}
                        onStep={step}
                      />
                    </li>
                  ))}
                </ul>
              )}
            </section>
          );
        })}
      </main>
      {asking ? (
        <PromiseDialog
          ro={asking.ro}
          stage={asking.stage}
          suggested={asking.suggested}
          onCancel={() => setAsking(null)}
          onSave={async (date, reason) => {
            const failed = await save(asking.ro, asking.stage, { date, reason });
            if (!failed) setAsking(null);
            return failed;
          }}
        />
      ) : null}
    </div>
  );
}

function groupByStage(ros: RepairOrderSummary[]): Map<Stage, RepairOrderSummary[]> {
  const groups = new Map<Stage, RepairOrderSummary[]>();
  for (const ro of ros) {
    const list = groups.get(ro.stage);
    if (list) list.push(ro);
    else groups.set(ro.stage, [ro]);
  }
  return groups;
}
