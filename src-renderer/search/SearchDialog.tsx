// Search everywhere (Ctrl+K): name, phone, plate, VIN, RO or claim number, answering as you type.
// Arrow keys move through the answers, Enter opens one, Escape closes: no mouse needed.
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import type { RepairOrderSummary } from '../../src-shared/domain.js';
import { STAGE_LABELS } from '../../src-shared/stages.js';
import { Dialog } from '../shared/Dialog.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { LogCallFromSearch } from '../calls/LogCallFromSearch.js';

export function SearchDialog({ onClose }: { onClose(): void }) {
  const { api, go } = useDesk();
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<RepairOrderSummary[] | null>(null);
  const [active, setActive] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const asked = useRef(0);

  useEffect(() => {
    const query = q.trim();
    if (query === '') {
      setHits(null);
      return;
    }
    const n = ++asked.current;
    api.call('search-query', { q: query, limit: 12 }).then(
      (found) => {
        if (n !== asked.current) return;
        setHits(found);
        setActive(0);
        setProblem(null);
      },
      (err) => n === asked.current && setProblem(messageOf(err)),
    );
  }, [api, q]);

  function open(hit: RepairOrderSummary) {
    onClose();
    go({ name: 'repair-order', id: hit.id });
  }

  function onKey(e: KeyboardEvent) {
    if (!hits || hits.length === 0) return;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, hits.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const hit = hits[active];
      if (hit) open(hit);
    }
  }

  return (
    <Dialog title="Search" onClose={onClose} className="search-dialog">
      <input
        data-autofocus
        type="search"
        role="combobox"
        aria-label="Name, phone, plate, VIN, RO or claim number"
        aria-expanded={!!hits && hits.length > 0}
        aria-controls="search-results"
        aria-activedescendant={hits && hits[active] ? `hit-${hits[active].id}` : undefined}
        aria-autocomplete="list"
        placeholder="Name, phone, plate, VIN, RO or claim number"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={onKey}
      />
      <FieldProblem text={problem} />
      {hits && hits.length === 0 ? <p className="muted">Nothing found for “{q.trim()}”. Check the spelling, or try the plate or phone number.</p> : null}
      <ul id="search-results" role="listbox" aria-label="Repair orders found" className="search-results">
        {hits?.map((h, i) => (
          <li
            key={h.id}
            id={`hit-${h.id}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'hit active' : 'hit'}
            onMouseDown={(e) => {
              e.preventDefault();
              open(h);
            }}
          >
            <strong>RO {h.roNumber}</strong> · {h.customerName} · {h.vehicle}
            {h.plate ? ` · ${h.plate}` : ''}
            <span className="muted">
              {' '}
              · {h.closed ? 'Closed' : STAGE_LABELS[h.stage]}
              {h.claimNumber ? ` · claim ${h.claimNumber}` : ''}
            </span>
          </li>
        ))}
      </ul>
      <LogCallFromSearch q={q} onClose={onClose} />
      <p className="muted small">↑ ↓ to choose · Enter to open · Esc to close</p>
    </Dialog>
  );
}
