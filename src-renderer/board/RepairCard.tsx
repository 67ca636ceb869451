// One repair on the board: what the front desk scans for (RO, customer, car, plate, promised date,
// delays, new messages, photos). The RO button opens it; drag it or press Alt+←/→ to move it.
import { memo, type KeyboardEvent } from 'react';
import type { RepairOrderSummary } from '../../src-shared/domain.js';
import { formatDay, plural } from '../shared/format.js';

export interface CardProps {
  ro: RepairOrderSummary;
  assignedName: string | null;
  onOpen(id: string): void;
  onStep(ro: RepairOrderSummary, direction: -1 | 1): void;
}

/** Set by a test before the page loads: each card's renders are counted by RO id (nothing is counted otherwise). */
declare global {
  interface Window {
    baylineCardRenders?: Map<string, number>;
  }
}

export const RepairCard = memo(function RepairCard({ ro, assignedName, onOpen, onStep }: CardProps) {
  const renders = window.baylineCardRenders;
  if (renders) renders.set(ro.id, (renders.get(ro.id) ?? 0) + 1);
  function onKey(e: KeyboardEvent) {
    if (!e.altKey || (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft')) return;
    e.preventDefault();
    onStep(ro, e.key === 'ArrowRight' ? 1 : -1);
  }
  return (
    <article
      className={ro.overdue ? 'ro-card ro-overdue' : 'ro-card'}
      aria-label={`RO ${ro.roNumber}, ${ro.customerName}`}
      draggable
      onDragStart={(e) => {
        e.dataTransfer.setData('application/x-bayline-ro', ro.id);
        e.dataTransfer.effectAllowed = 'move';
      }}
    >
      <div className="ro-card-top">
        <button
          type="button"
          className="ro-open"
          data-ro-id={ro.id}
          aria-keyshortcuts="Alt+ArrowRight Alt+ArrowLeft"
          aria-describedby="move-hint"
          onClick={() => onOpen(ro.id)}
          onKeyDown={onKey}
        >
          RO {ro.roNumber}
        </button>
        {ro.unreadMessages > 0 ? (
          <span className="badge badge-unread">{ro.unreadMessages === 1 ? '1 new message' : `${ro.unreadMessages} new messages`}</span>
        ) : null}
      </div>
      <p className="ro-customer">{ro.customerName}</p>
      <p className="ro-vehicle">
        {ro.vehicle || 'Vehicle not entered'}
        {ro.plate ? <span className="ro-plate">{ro.plate}</span> : null}
      </p>
      {ro.subStatus ? <p className="ro-substatus">{ro.subStatus}</p> : null}
      {ro.promisedDate ? (
        <p className={ro.overdue ? 'ro-promised overdue' : 'ro-promised'}>
          {ro.overdue ? (
            <>
              <strong>
                <span aria-hidden="true">⚠ </span>Overdue
              </strong>{' '}
              · promised{' '}
            </>
          ) : (
            'Promised '
          )}
          <time dateTime={ro.promisedDate}>{formatDay(ro.promisedDate)}</time>
        </p>
      ) : (
        <p className="ro-promised muted">No promised date</p>
      )}
      {ro.openExceptions.length > 0 ? (
        <ul className="tags" aria-label="Open delays">
          {ro.openExceptions.map((tag) => (
            <li key={tag} className="tag">
              {tag}
            </li>
          ))}
        </ul>
      ) : null}
      <p className="ro-foot muted">
        <span>{ro.photoCount > 0 ? plural(ro.photoCount, 'photo') : 'No photos'}</span>
        {ro.insurer ? <span>{ro.insurer}</span> : null}
        {assignedName ? <span>{assignedName}</span> : null}
      </p>
    </article>
  );
});
