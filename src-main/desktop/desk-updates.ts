// When the installed desk looks for, fetches and installs a new version (electron-updater, from
// <paired relay>/updates/win). The decisions live here, Electron-free, so they are tested in Node
// with electron-updater's own NsisUpdater: check at start and once a day, download in the
// background, install when Bayline is next closed, and restart mid-day only when the person says
// so (the banner the screens show). electron-updater checks the SHA-512 from latest.yml before a
// download counts as ready; one that does not match is refused and said so.

import { type UpdateState, UPDATES_OFF } from '../../src-shared/desktop-bridge.js';

export type { UpdateState };

/** The part of electron-updater's AppUpdater (NsisUpdater in the installed app) the desk uses. */
export interface Updater {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  disableDifferentialDownload: boolean;
  disableWebInstaller: boolean;
  setFeedURL(options: { provider: 'generic'; url: string; channel?: string }): void;
  checkForUpdates(): Promise<{ downloadPromise?: Promise<unknown> | null } | null>;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export function updatesFeedUrl(relayUrl: string): string {
  return `${relayUrl.replace(/\/+$/, '')}/updates/win`;
}

export interface DeskUpdatesOptions {
  /** The relay this desk is paired with, or null (an unpaired desk has nowhere to ask). */
  relayUrl(): Promise<string | null>;
  onState(state: UpdateState): void;
  now?: () => Date;
  everyMs?: number;
  log?: (message: string) => void;
}

export class DeskUpdates {
  private state: UpdateState = { ...UPDATES_OFF, phase: 'idle' };
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private feed: string | null = null;

  constructor(
    private readonly updater: Updater,
    private readonly options: DeskUpdatesOptions,
  ) {
    // Downloaded in the background; installed when Bayline closes (the next start is the new
    // version); never a newer-to-older step, whatever latest.yml says.
    updater.autoDownload = true;
    updater.autoInstallOnAppQuit = true;
    updater.allowDowngrade = false;
    // The relay serves whole installers (no .blockmap files, no web installer).
    updater.disableDifferentialDownload = true;
    updater.disableWebInstaller = true;
    updater.on('checking-for-update', () => this.set({ phase: 'checking', problem: null, refused: false }));
    updater.on('update-not-available', () => this.set({ phase: 'current', version: null, percent: null }));
    updater.on('update-available', (info: { version: string }) => this.set({ phase: 'downloading', version: info.version, percent: 0 }));
    updater.on('download-progress', (progress: { percent: number }) => {
      if (this.state.phase === 'downloading') this.set({ percent: Math.floor(progress.percent) });
    });
    updater.on('update-downloaded', (info: { version: string }) => this.set({ phase: 'ready', version: info.version, percent: 100, problem: null }));
    updater.on('error', (err: Error) => this.fail(err));
  }

  get current(): UpdateState {
    return { ...this.state };
  }

  /** Checks now, then once a day while the desk runs. */
  start(): void {
    void this.checkNow();
    this.timer ??= setInterval(() => void this.checkNow(), this.options.everyMs ?? DAY_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One check (and the download it starts); a check already under way is not doubled, nor one after an update is ready. */
  checkNow(): Promise<void> {
    if (this.state.phase === 'ready') return Promise.resolve();
    this.checking ??= this.check().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  /** The person chose "Restart and install now": the only way Bayline restarts for an update. */
  restartNow(): boolean {
    if (this.state.phase !== 'ready') return false;
    this.updater.quitAndInstall(true, true);
    return true;
  }

  private async check(): Promise<void> {
    const relayUrl = await this.options.relayUrl().catch(() => null);
    if (!relayUrl) {
      this.set({ phase: 'off', problem: null });
      return;
    }
    const feed = updatesFeedUrl(relayUrl);
    if (feed !== this.feed) {
      this.updater.setFeedURL({ provider: 'generic', url: feed, channel: 'latest' });
      this.feed = feed;
    }
    this.set({ checkedAt: (this.options.now?.() ?? new Date()).toISOString() });
    try {
      const result = await this.updater.checkForUpdates();
      await result?.downloadPromise;
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    const code = (err as { code?: string }).code;
    const refused = code === 'ERR_CHECKSUM_MISMATCH' || /sha512 checksum mismatch/i.test(err.message);
    const problem =
      refused
        ? 'The downloaded update did not match its SHA-512 checksum, so it was refused and nothing was installed. The desk tries again tomorrow.'
        : `Bayline could not check for updates (${firstLine(err.message)}). It tries again tomorrow.`;
    this.options.log?.(`[updates] ${firstLine(err.message)}`);
    // A failure after an update was ready (a second check) leaves the ready update as it is.
    if (this.state.phase === 'ready') return;
    this.set({ phase: 'failed', problem, refused, percent: null });
  }

  private set(change: Partial<UpdateState>): void {
    this.state = { ...this.state, ...change };
    this.options.onState(this.current);
  }
}

function firstLine(message: string): string {
  return (message.split('\n', 1)[0] ?? '').slice(0, 200);
}
