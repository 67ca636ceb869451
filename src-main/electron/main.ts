// Electron's main process: opens the desk core, shows it in a locked-down window and carries the
// typed API over IPC; for the installed desk also bayline:// pairing links, updates, the window's
// remembered place and local crash reports. Every decision lives in Electron-free modules
// (src-main/desktop/, src-shared/pairing-link.ts) so it can run and be tested without Electron.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, crashReporter, dialog, ipcMain, type IpcMainInvokeEvent, screen, shell, type WebContents } from 'electron';
import electronUpdater from 'electron-updater';
import { UPDATES_OFF } from '../../src-shared/desktop-bridge.js';
import { type PairingLink, PROTOCOL, pairingLinkFromArgv, parsePairingLink } from '../../src-shared/pairing-link.js';
import { DeskUpdates } from '../desktop/desk-updates.js';
import { desktopPaths } from '../desktop/desktop-paths.js';
import { readWindowState, saveWindowState } from '../desktop/window-state.js';
import { ApiError } from '../../src-shared/api/errors.js';
import type { Session } from '../api/dispatch.js';
import { importDeskFile, importDeskFileFromPath, readDeskFile } from '../blobs/desk-files.js';
import { type CommandChannel, openCommandChannel } from '../api/command-channel.js';
import { demoPhoneUrl } from '../demo/handlers.js';
import { Desk } from '../desk.js';
import { installPrinting } from './printing.js';

// Built layout (electron-vite): out/main/index.js, out/preload/index.cjs, out/renderer/index.html.
const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = path.join(here, '../preload/index.cjs');
const RENDERER_HTML = path.join(here, '../renderer/index.html');
/** Set by `electron-vite dev` to its renderer dev server. */
const DEV_SERVER_URL = process.env.ELECTRON_RENDERER_URL;
const PATHS = desktopPaths(app.getPath('appData'));

// Before anything else: the data, crash reports and window state live under %APPDATA%\Bayline,
// and a crash leaves its report there (never sent anywhere).
app.setPath('userData', PATHS.userData);
app.setPath('crashDumps', PATHS.crashReports);
crashReporter.start({ uploadToServer: false });

let desk: Desk | null = null;
/** `npm run desk -- api … --data DIR` goes through this window's desk while it runs. */
let commandChannel: CommandChannel | null = null;
/** One session per window's web contents: who is signed in at that window. */
const sessions = new Map<number, Session>();
/** A bayline:// pairing link the screens have not taken yet (from the start, or a second start). */
let pendingPairing: PairingLink | null = pairingLinkFromArgv(process.argv);
let updates: DeskUpdates | null = null;

function mainWindow(): BrowserWindow | undefined {
  return BrowserWindow.getAllWindows()[0];
}

function deliverPairingLink(link: PairingLink | null): void {
  if (!link) return;
  pendingPairing = link;
  mainWindow()?.webContents.send('bayline:pairing-link');
}

function sessionFor(contents: WebContents): Session {
  let session = sessions.get(contents.id);
  if (!session) {
    session = desk!.newSession();
    sessions.set(contents.id, session);
    contents.once('destroyed', () => sessions.delete(contents.id));
  }
  return session;
}

/** Only our own page, in the top frame, may call the desk; not an iframe or a page navigated to. */
function isOwnPage(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return isOwnUrl(frame.url);
}

function isOwnUrl(url: string): boolean {
  if (DEV_SERVER_URL) return new URL(url).origin === new URL(DEV_SERVER_URL).origin;
  return url.startsWith('file:') && fileURLToPath(url.split(/[?#]/, 1)[0]!) === RENDERER_HTML;
}

function createWindow(): BrowserWindow {
  const place = readWindowState(PATHS.windowState, screen.getAllDisplays().map((d) => d.workArea));
  const window = new BrowserWindow({
    x: place.x,
    y: place.y,
    width: place.width,
    height: place.height,
    minWidth: 900,
    minHeight: 600,
    icon: app.isPackaged ? undefined : path.join(here, '../../build/icons/256x256.png'),
    title: 'Bayline',
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  window.once('ready-to-show', () => {
    if (place.maximized) window.maximize();
    window.show();
  });
  window.on('close', () => {
    try {
      saveWindowState(PATHS.windowState, { ...window.getNormalBounds(), maximized: window.isMaximized() });
    } catch (err) {
      console.error('[electron] could not remember the window', err);
    }
  });
  // The window only ever shows Bayline; links to the outside world open in the person's browser
  // (or mail program, for mailto:). A link in a mail (src-renderer/email/MailBody.tsx) arrives
  // here too: its sandboxed frame never navigates, the desk calls window.open for the click.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^(?:https?|mailto|tel):/iu.test(url) || url === demoPhoneUrl()) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!isOwnUrl(url)) event.preventDefault();
  });
  if (DEV_SERVER_URL) void window.loadURL(DEV_SERVER_URL);
  else void window.loadFile(RENDERER_HTML);
  return window;
}

async function start(): Promise<void> {
  // A packaged app keeps resources/ (fonts for printing) beside the app, not two folders up from out/main.
  if (app.isPackaged) process.env.BAYLINE_RESOURCES ??= path.join(process.resourcesPath, 'resources');
  try {
    // BAYLINE_DATA lets `npm start` point the window at the same folder the browser host would use.
    desk = await Desk.open({ dataDir: PATHS.data, scheduleBackups: true });
  } catch (err) {
    dialog.showErrorBox('Bayline could not open its data', err instanceof Error ? err.message : String(err));
    app.exit(1);
    return;
  }

  commandChannel = await openCommandChannel(desk).catch((err: unknown) => {
    console.error('[electron] the command line cannot reach this desk:', err);
    return null;
  });

  desk.onEvent((event, sessionId) => {
    for (const window of BrowserWindow.getAllWindows()) {
      // An event for one window (a draft as it is written) goes to that window only.
      if (sessionId !== null && sessions.get(window.webContents.id)?.id !== sessionId) continue;
      window.webContents.send('bayline:event', event);
    }
  });

  ipcMain.handle('bayline:call', async (event, method: unknown, args: unknown) => {
    if (!isOwnPage(event)) {
      return { ok: false, error: { code: 'not-allowed', message: 'This page may not use Bayline.' } };
    }
    if (!desk) return { ok: false, error: { code: 'internal', message: 'Bayline is closing; nothing was saved.' } };
    return desk.call(method, args, sessionFor(event.sender));
  });

  ipcMain.handle('bayline:file-upload', async (event, bytes: unknown) => {
    if (!isOwnPage(event) || !desk) return { ok: false, error: { code: 'not-allowed', message: 'This page may not add files to Bayline.' } };
    if (!(bytes instanceof ArrayBuffer) && !ArrayBuffer.isView(bytes)) {
      return { ok: false, error: { code: 'file-refused', message: 'The file could not be read.' } };
    }
    const buffer = ArrayBuffer.isView(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.from(bytes);
    try {
      return { ok: true, result: await importDeskFile(desk.dataDir, buffer) };
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, error: err.toBody() };
      throw err;
    }
  });

  // The path comes from the preload's webUtils.getPathForFile: a file the person chose or dropped.
  ipcMain.handle('bayline:file-upload-path', async (event, file: unknown) => {
    if (!isOwnPage(event) || !desk) return { ok: false, error: { code: 'not-allowed', message: 'This page may not add files to Bayline.' } };
    if (typeof file !== 'string' || !path.isAbsolute(file)) return { ok: false, error: { code: 'file-refused', message: 'The file could not be read.' } };
    try {
      return { ok: true, result: await importDeskFileFromPath(desk.dataDir, file) };
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, error: err.toBody() };
      throw err;
    }
  });

  ipcMain.handle('bayline:file-read', async (event, hash: unknown) => {
    if (!isOwnPage(event) || !desk || typeof hash !== 'string') return null;
    const bytes = await readDeskFile(desk.dataDir, hash);
    return bytes ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) : null;
  });

  ipcMain.handle('bayline:pairing-link-take', (event) => {
    if (!isOwnPage(event)) return null;
    const link = pendingPairing;
    pendingPairing = null;
    return link;
  });

  // Only the installed Windows desk updates itself (a developer's copy has nothing to replace).
  if (app.isPackaged && process.platform === 'win32') {
    updates = new DeskUpdates(new electronUpdater.NsisUpdater(), {
      relayUrl: async () => (desk ? (await desk.syncStatus()).relayUrl : null),
      onState: (state) => mainWindow()?.webContents.send('bayline:update-state', state),
      log: (line) => console.log(line),
    });
    updates.start();
  }
  ipcMain.handle('bayline:update-state', (event) => (isOwnPage(event) && updates ? updates.current : UPDATES_OFF));
  ipcMain.handle('bayline:update-restart', (event) => isOwnPage(event) && updates !== null && updates.restartNow());

  installPrinting(isOwnPage);
  createWindow();
}

// Two copies would fight over the same data folder; the second one brings the first forward.
// A second start (a click on a bayline:// link, the Start menu again) passes its arguments here.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Windows: the installer registers bayline:// (electron-builder.yml); a developer's copy registers itself.
  if (process.defaultApp && process.argv[1]) app.setAsDefaultProtocolClient(PROTOCOL, process.execPath, [path.resolve(process.argv[1])]);
  else app.setAsDefaultProtocolClient(PROTOCOL);

  app.on('second-instance', (_event, argv) => {
    const window = mainWindow();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
    deliverPairingLink(pairingLinkFromArgv(argv));
  });
  // macOS hands links over this way.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    deliverPairingLink(parsePairingLink(url));
  });

  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      console.error('[electron] failed to start', err);
      app.exit(1);
    });

  app.on('activate', () => {
    if (desk && BrowserWindow.getAllWindows().length === 0) createWindow();
  });

  app.on('window-all-closed', () => app.quit());

  // Close the database cleanly (WAL checkpoint, lock released) before the process goes.
  let closing: Promise<void> | null = null;
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed || (!desk && !closing)) return;
    event.preventDefault();
    if (closing) return;
    const open = desk!;
    desk = null;
    updates?.stop();
    const channel = commandChannel;
    commandChannel = null;
    closing = (channel ? channel.close() : Promise.resolve())
      .then(() => open.close())
      .catch((err: unknown) => console.error('[electron] closing the desk failed', err))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
}
