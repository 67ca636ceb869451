// The first screen: the shop's open repair orders in their eight stages, kept current by the
// desk's `changed` events. (The full desk UI replaces this; it proves the API round trip.)
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { BaylineApi } from '../src-shared/api/contract.js';
import type { RepairOrderSummary, WorkspaceSettings } from '../src-shared/domain.js';
import { type Stage, STAGE_LABELS, STAGES } from '../src-shared/stages.js';
import type { ConnectionState, DeskConnection } from './api/browser-transport.js';
import { RoPanel } from './RoPanel.js';

export interface AppProps {
  api: BaylineApi;
  /** The WebSocket link's state; null under Electron, where the desk is in the same app. */
  connection: DeskConnection | null;
}

export function App({ api, connection }: AppProps) {
  const [shop, setShop] = useState<WorkspaceSettings | null>(null);
  const [board, setBoard] = useState<RepairOrderSummary[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [link, setLink] = useState<ConnectionState>(connection?.state ?? 'open');
  const [openRo, setOpenRo] = useState<string | null>(null);

  // Several `changed` events in a burst cost one extra fetch, not one each.
  const loading = useRef(false);
  const loadAgain = useRef(false);
  const load = useCallback(async () => {
    if (loading.current) {
      loadAgain.current = true;
      return;
    }
    loading.current = true;
    try {
      do {
        loadAgain.current = false;
        try {
          const [settings, ros] = await Promise.all([api.call('workspace-get', {}), api.call('ro-board', {})]);
          setShop(settings);
          setBoard(ros);
          setProblem(null);
        } catch (err) {
          setProblem(err instanceof Error ? err.message : String(err));
        }
      } while (loadAgain.current);
    } finally {
      loading.current = false;
    }
  }, [api]);

  useEffect(() => {
    void load();
    return api.onEvent((event) => {
      if (event.type === 'changed') void load();
    });
  }, [api, load]);

  useEffect(() => {
    if (!connection) return;
    setLink(connection.state);
    return connection.onStateChange((state) => {
      setLink(state);
      // Anything may have changed while we could not hear the desk's events.
      if (state === 'open') void load();
    });
  }, [connection, load]);

  useEffect(() => {
    document.title = shop ? `${shop.name} · Bayline` : 'Bayline';
  }, [shop]);

  const byStage = useMemo(() => groupByStage(board ?? []), [board]);
  const linkDown = link === 'reconnecting' || link === 'no-key';

  return (
    <div className="desk">
      <header className="shop-bar">
        <h1>{shop?.name ?? 'Bayline'}</h1>
        <p className="subtitle">Repair board</p>
      </header>

      {linkDown ? (
        <p role="alert" className="notice notice-problem">
          {link === 'no-key'
            ? 'This page was opened without its key. Open the link Bayline printed when it started.'
            : 'Cannot reach the Bayline desk. Trying again… If you restarted Bayline, open the new link it printed.'}
        </p>
      ) : problem ? (
        <p role="alert" className="notice notice-problem">
          {problem}
        </p>
      ) : null}

      {board === null ? (
        !linkDown && !problem ? (
          <p role="status" className="notice">
            Loading the repair board…
          </p>
        ) : null
      ) : (
        <main aria-label="Repair board" className={linkDown ? 'board board-stale' : 'board'}>
          {STAGES.map((stage) => (
            <StageColumn key={stage} stage={stage} ros={byStage.get(stage) ?? []} onOpen={setOpenRo} />
          ))}
        </main>
      )}
      {openRo ? <RoPanel api={api} roId={openRo} onClose={() => setOpenRo(null)} /> : null}
    </div>
  );
}

function StageColumn({ stage, ros, onOpen }: { stage: Stage; ros: RepairOrderSummary[]; onOpen(id: string): void }) {
  const headingId = `stage-${stage}`;
  return (
    <section className="stage" aria-labelledby={headingId}>
      <div className="stage-head">
        <h2 id={headingId}>{STAGE_LABELS[stage]}</h2>
        <span className="stage-count">
          <span aria-hidden="true">{ros.length}</span>
          <span className="visually-hidden">{`${ros.length} repair ${ros.length === 1 ? 'order' : 'orders'}`}</span>
        </span>
      </div>
      {ros.length === 0 ? (
        <p className="stage-empty">No cars at this stage</p>
      ) : (
        <ul className="stage-cards" aria-label={`Repair orders at ${STAGE_LABELS[stage]}`}>
          {ros.map((ro) => (
            <li key={ro.id}>
              <RepairOrderCard ro={ro} onOpen={onOpen} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RepairOrderCard({ ro, onOpen }: { ro: RepairOrderSummary; onOpen(id: string): void }) {
  return (
    <article className={ro.overdue ? 'ro-card ro-overdue' : 'ro-card'} aria-label={`RO ${ro.roNumber}, ${ro.customerName}`}>
      <p className="ro-number">
        <button type="button" className="ro-open" onClick={() => onOpen(ro.id)}>
          RO {ro.roNumber}
        </button>
        {ro.unreadMessages > 0 ? (
          <span className="ro-unread">{ro.unreadMessages === 1 ? '1 new message' : `${ro.unreadMessages} new messages`}</span>
        ) : null}
      </p>
      <p className="ro-customer">{ro.customerName}</p>
      <p className="ro-vehicle">
        {ro.vehicle || 'Vehicle not entered'}
        {ro.plate ? <span className="ro-plate"> · {ro.plate}</span> : null}
      </p>
      {ro.subStatus ? <p className="ro-substatus">{ro.subStatus}</p> : null}
      {ro.promisedDate ? (
        <p className="ro-promised">
          {ro.overdue ? 'Overdue, promised ' : 'Promised '}
          <time dateTime={ro.promisedDate}>{formatDay(ro.promisedDate)}</time>
        </p>
      ) : null}
      {ro.openExceptions.length > 0 ? (
        <ul className="ro-exceptions" aria-label="Open delays">
          {ro.openExceptions.map((tag) => (
            <li key={tag}>{tag}</li>
          ))}
        </ul>
      ) : null}
    </article>
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

/** "2025-10-14" → "Tue, Oct 14": a calendar day, so it is read in UTC to never shift by a day. */
function formatDay(isoDay: string): string {
  const date = new Date(`${isoDay}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDay;
  return date.toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' });
}
