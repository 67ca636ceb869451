// A stand-in for the `electron` module, for loading the built main bundle in plain Node (Electron's
// binary cannot be downloaded here). It keeps the module's shape (named exports a wrong import
// fails on), writes every call worth checking to BAYLINE_STUB_LOG as JSON lines, and plays the
// part of Windows once the window has loaded: a second start with a bayline:// link, the page
// taking the link, then closing the app.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const { EventEmitter } = require('node:events');
const { pathToFileURL } = require('node:url');

const LOG = process.env.BAYLINE_STUB_LOG;
function log(what, detail) {
  fs.appendFileSync(LOG, `${JSON.stringify({ what, detail: detail === undefined ? null : detail })}\n`);
}

const paths = { appData: process.env.BAYLINE_STUB_APPDATA, temp: os.tmpdir() };
const handlers = new Map();
const windows = [];
let loadedFile = null;

class App extends EventEmitter {
  constructor() {
    super();
    this.isPackaged = false;
  }
  getPath(name) {
    if (!paths[name]) throw new Error(`stub: no path "${name}"`);
    return paths[name];
  }
  setPath(name, value) {
    paths[name] = value;
    log('app.setPath', { name, value });
  }
  getName() {
    return 'Bayline';
  }
  getVersion() {
    return '0.1.0';
  }
  requestSingleInstanceLock() {
    log('app.requestSingleInstanceLock');
    return true;
  }
  setAsDefaultProtocolClient(protocol, ...rest) {
    log('app.setAsDefaultProtocolClient', { protocol, args: rest.length });
    return true;
  }
  whenReady() {
    return Promise.resolve();
  }
  quit() {
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('before-quit', event);
    if (!event.defaultPrevented) {
      log('app.quit');
      process.exit(0);
    }
  }
  exit(code) {
    log('app.exit', code);
    process.exit(code);
  }
}
const app = new App();

class WebContents extends EventEmitter {
  constructor(id) {
    super();
    this.id = id;
  }
  send(channel, ...args) {
    log('webContents.send', { channel, args });
  }
  setWindowOpenHandler() {}
  async getPrintersAsync() {
    return [];
  }
}

class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents(windows.length + 1);
    windows.push(this);
    log('new BrowserWindow', { preload: options.webPreferences?.preload ?? null, sandbox: options.webPreferences?.sandbox ?? null, contextIsolation: options.webPreferences?.contextIsolation ?? null, width: options.width, height: options.height });
  }
  static getAllWindows() {
    return windows.slice();
  }
  async loadFile(file) {
    log('window.loadFile', file);
    loadedFile = file;
    setTimeout(() => playWindows().catch((err) => log('stub.error', String(err && err.stack || err))), 50);
  }
  async loadURL(url) {
    log('window.loadURL', url);
  }
  show() {}
  maximize() {}
  isMaximized() {
    return false;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {
    log('window.focus');
  }
  getNormalBounds() {
    return { x: 10, y: 20, width: this.options.width, height: this.options.height };
  }
  destroy() {}
}

/** Windows' part, once the window has loaded the desk. */
async function playWindows() {
  app.emit('second-instance', {}, ['Bayline.exe', 'bayline://pair?relay=https%3A%2F%2Frelay.example.com%2F&code=abcd2345'], process.cwd());
  const window = windows[0];
  const ownPage = { sender: window.webContents, senderFrame: { url: pathToFileURL(loadedFile).href, parent: null } };
  const strangePage = { sender: window.webContents, senderFrame: { url: 'https://example.com/', parent: null } };
  log('page.takePairingLink(other page)', await handlers.get('bayline:pairing-link-take')(strangePage));
  log('page.takePairingLink', await handlers.get('bayline:pairing-link-take')(ownPage));
  log('page.takePairingLink(again)', await handlers.get('bayline:pairing-link-take')(ownPage));
  log('page.updateState', await handlers.get('bayline:update-state')(ownPage));
  const call = await handlers.get('bayline:call')(ownPage, 'workspace-get', {});
  log('page.call(workspace-get)', { ok: call.ok, name: call.ok ? call.result.name : call.error });
  window.emit('close');
  app.quit();
}

// One assignment per name, so Node sees them as named exports of an ES module import.
exports.app = app;
exports.BrowserWindow = BrowserWindow;
exports.crashReporter = { start: (options) => log('crashReporter.start', options) };
exports.dialog = { showErrorBox: (title, message) => log('dialog.showErrorBox', { title, message }) };
exports.ipcMain = { handle: (channel, fn) => void handlers.set(channel, fn) };
exports.screen = { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }] };
exports.shell = { openExternal: async (url) => log('shell.openExternal', url) };
