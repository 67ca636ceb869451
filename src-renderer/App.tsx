// The front-desk app: a bar that is always there (shop, screens, search, who is at the desk, sync
// state) above one screen at a time — board, check-in, a repair order, settings.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { BaylineApi } from '../src-shared/api/contract.js';
import type { StaffMember } from '../src-shared/domain.js';
import type { ConnectionState, DeskConnection } from './api/browser-transport.js';
import { Board } from './board/Board.js';
import { CheckIn } from './checkin/CheckIn.js';
import { RepairOrderView } from './repair-order/RepairOrderView.js';
import { Calendar, RequestsCount } from './scheduling/Calendar.js';
import { SearchDialog } from './search/SearchDialog.js';
import { Settings } from './settings/Settings.js';
import { UpdateBanner } from './desktop/UpdateBanner.js';
import { DeskContext, type DeskContextValue, type Screen } from './shared/desk-context.js';
import { deskCountry, setDeskCountry } from './shared/format.js';
import { announceReconnect, useLive } from './shared/use-live.js';
import { StaffSwitch } from './staff/StaffSwitch.js';
import { SyncState } from './sync/SyncState.js';
import { InboxCount, TextInbox } from './texts/TextInbox.js';
import { TextNotifications } from './texts/TextNotifications.js';
import { CallNotifications } from './calls/CallNotifications.js';
import { CallsReport } from './calls/CallsReport.js';
import { FollowUpCount, FollowUps, LowScoreAlert } from './csi/FollowUps.js';
import { ReportsScreen } from './reports/ReportsScreen.js';

export interface AppProps {
  api: BaylineApi;
  /** The WebSocket link's state; null under Electron, where the desk is in the same app. */
  connection: DeskConnection | null;
}

const TABS: Array<{ screen: Screen['name']; label: string }> = [
  { screen: 'board', label: 'Board' },
  { screen: 'check-in', label: 'Check in' },
  { screen: 'calendar', label: 'Appointments' },
  { screen: 'texts', label: 'Texts inbox' },
  { screen: 'calls', label: 'Calls' },
  { screen: 'follow-ups', label: 'Follow-ups' },
  { screen: 'reports', label: 'Reports' },
  { screen: 'settings', label: 'Settings' },
];

export function App({ api, connection }: AppProps) {
  const shop = useLive(api, () => api.call('workspace-get', {}), ['workspace_settings'], []);
  // Dates, times, money and phone numbers on every screen follow the shop's country; moments read in its time zone.
  setDeskCountry(shop.data?.country, shop.data?.timeZone);
  const staff = useLive(api, () => api.call('staff-list', {}), ['staff'], []);
  // Only while `npm start` runs the demo shop's built-in fake Telnyx.
  const demoPhone = useLive(api, () => api.call('demo-phone-get', {}), [], []);
  const [link, setLink] = useState<ConnectionState>(connection?.state ?? 'open');
  const [screen, setScreen] = useState<Screen>({ name: 'board' });
  const [searching, setSearching] = useState(false);
  const [atDesk, setAtDesk] = useState<StaffMember | null>(null);
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    if (!connection) return;
    setLink(connection.state);
    let previous = connection.state;
    return connection.onStateChange((state) => {
      setLink(state);
      // Anything may have changed while we could not hear the desk's events. Not on the first
      // opening: the screens' first reads were waiting for it and are sent now (announcing it
      // read the whole board, and every other screen, twice at start).
      if (state === 'open' && previous === 'reconnecting') announceReconnect();
      previous = state;
    });
  }, [connection]);

  useEffect(() => {
    void api.call('staff-current', {}).then(setAtDesk, () => undefined);
  }, [api]);

  useEffect(() => {
    document.title = shop.data ? `${shop.data.name} · Bayline` : 'Bayline';
    document.documentElement.lang = deskCountry().locale;
  }, [shop.data]);

  // Ctrl+K (or ⌘K) opens search from anywhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setSearching(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const go = useCallback((next: Screen) => {
    setScreen(next);
    window.scrollTo(0, 0);
  }, []);
  const announce = useCallback((text: string) => setAnnouncement(text), []);

  // The installed desk opened by a bayline:// pairing link (at start or while running): the
  // relay settings with the relay and code filled in.
  useEffect(() => {
    const desktop = window.baylineDesktop;
    if (!desktop) return;
    const take = () =>
      void desktop.takePairingLink().then((pairing) => {
        if (pairing) go({ name: 'settings', pairing });
      }, () => undefined);
    take();
    return desktop.onPairingLink(take);
  }, [go]);
  const context: DeskContextValue = useMemo(
    () => ({ api, shop: shop.data, staff: staff.data ?? [], go, announce }),
    [api, shop.data, staff.data, go, announce],
  );

  const linkDown = link === 'reconnecting' || link === 'no-key';
  // Reports name staff and compare insurers: the owner and managers only (the desk refuses others too).
  const canSeeReports = atDesk?.role === 'owner' || atDesk?.role === 'manager';
  const ready = link !== 'no-key';

  return (
    <DeskContext.Provider value={context}>
      <div className="desk">
        <header className="shop-bar">
          <h1>{shop.data?.name ?? 'Bayline'}</h1>
          <nav aria-label="Screens" className="tabs">
            {TABS.filter((t) => t.screen !== 'reports' || canSeeReports).map((t) => (
              <button
                key={t.screen}
                type="button"
                aria-current={screen.name === t.screen ? 'page' : undefined}
                className={screen.name === t.screen ? 'tab current' : 'tab'}
                onClick={() => go({ name: t.screen } as Screen)}
              >
                {t.label}
                {t.screen === 'texts' && ready ? <> <InboxCount /></> : null}
                {t.screen === 'calendar' && ready ? <> <RequestsCount /></> : null}
                {t.screen === 'follow-ups' && ready ? <> <FollowUpCount /></> : null}
              </button>
            ))}
            {demoPhone.data?.url ? (
              <a className="tab tab-link" href={demoPhone.data.url} target="_blank" rel="noopener">
                Demo phone
              </a>
            ) : null}
          </nav>
          <button type="button" className="bar-button search-button" aria-keyshortcuts="Control+K" onClick={() => setSearching(true)}>
            Search <kbd>Ctrl K</kbd>
          </button>
          <div className="bar-right">
            <StaffSwitch
              current={atDesk}
              onSwitched={(who) => {
                setAtDesk(who);
                announce(`${who.name} is now at the desk.`);
              }}
            />
            {ready ? <SyncState /> : null}
          </div>
        </header>

        {linkDown ? (
          <p role="alert" className="notice notice-problem">
            {link === 'no-key'
              ? 'This page was opened without its key. Open the link Bayline printed when it started.'
              : 'Cannot reach the Bayline desk. Trying again… If you restarted Bayline, open the new link it printed.'}
          </p>
        ) : null}
        {shop.problem && !linkDown ? (
          <p role="alert" className="notice notice-problem">
            {shop.problem}
          </p>
        ) : null}

        <UpdateBanner />
        {ready && screen.name !== 'follow-ups' ? <LowScoreAlert onOpen={() => go({ name: 'follow-ups' })} /> : null}
        {ready ? (
          <div className="screen-area">
            {screen.name === 'board' ? <Board stale={linkDown} /> : null}
            {screen.name === 'check-in' ? <CheckIn key={screen.appointmentId ?? ''} appointmentId={screen.appointmentId} /> : null}
            {screen.name === 'calendar' ? <Calendar /> : null}
            {screen.name === 'repair-order' ? <RepairOrderView key={screen.id} id={screen.id} draftMilestone={screen.draftMilestone} /> : null}
            {screen.name === 'settings' ? <Settings key={screen.pairing?.code ?? ''} pairing={screen.pairing} /> : null}
            {screen.name === 'texts' ? <TextInbox /> : null}
            {screen.name === 'calls' ? <CallsReport /> : null}
            {screen.name === 'follow-ups' ? <FollowUps /> : null}
            {screen.name === 'reports' && canSeeReports ? <ReportsScreen /> : null}
          </div>
        ) : null}
        {ready ? (
          // One stack in the bottom corner, under the bar and under any dialog: a card never hides
          // "At the desk", the sync state or a dialog's buttons.
          <div className="notification-stack">
            <CallNotifications />
            <TextNotifications openRoId={screen.name === 'repair-order' ? screen.id : null} />
          </div>
        ) : null}
        {searching ? <SearchDialog onClose={() => setSearching(false)} /> : null}
        <p className="visually-hidden" aria-live="polite" role="status">
          {announcement}
        </p>
      </div>
    </DeskContext.Provider>
  );
}
