// The installed desk's small decisions, in Node: which bayline:// links are pairing links, where a
// remembered window may open, and where the shop's data and crash reports live.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairingLinkFor, pairingLinkFromArgv, parsePairingLink } from '../../src-shared/pairing-link.js';
import { desktopPaths } from './desktop-paths.js';
import { DEFAULT_WINDOW, readWindowState, saveWindowState } from './window-state.js';

describe('pairing links', () => {
  it('round-trips the relay and the code, upper-casing a code typed in lower case', () => {
    const link = pairingLinkFor('https://relay.lakeside.example/', 'abcd-2345');
    expect(link).toBe('bayline://pair?relay=https%3A%2F%2Frelay.lakeside.example&code=abcd-2345');
    expect(parsePairingLink(link)).toEqual({ relayUrl: 'https://relay.lakeside.example', code: 'ABCD-2345' });
    expect(parsePairingLink('bayline:pair?relay=https%3A%2F%2Fr.example%3A8443%2Fbayline&code=ZZZZ9999')).toEqual({ relayUrl: 'https://r.example:8443/bayline', code: 'ZZZZ9999' });
  });

  it('refuses anything that is not a pairing link with a usable relay and code', () => {
    for (const bad of [
      'https://relay.example/pair?code=ABCD2345',
      'bayline://open?relay=https%3A%2F%2Fr.example&code=ABCD2345',
      'bayline://pair?relay=javascript%3Aalert(1)&code=ABCD2345',
      'bayline://pair?relay=file%3A%2F%2F%2Fetc%2Fpasswd&code=ABCD2345',
      'bayline://pair?relay=https%3A%2F%2Fuser%3Apass%40r.example&code=ABCD2345',
      'bayline://pair?relay=https%3A%2F%2Fr.example&code=AB',
      'bayline://pair?relay=https%3A%2F%2Fr.example&code=%3Cscript%3E',
      'bayline://pair?code=ABCD2345',
      `bayline://pair?relay=https%3A%2F%2Fr.example&code=ABCD2345&x=${'a'.repeat(700)}`,
      'not a url',
    ]) {
      expect(parsePairingLink(bad), bad).toBeNull();
    }
  });

  it('finds the link among the arguments Windows starts the desk with', () => {
    expect(pairingLinkFromArgv(['C:\\Bayline\\Bayline.exe', '--allow-file-access-from-files', 'bayline://pair?relay=https%3A%2F%2Fr.example&code=ABCD2345'])).toEqual({
      relayUrl: 'https://r.example',
      code: 'ABCD2345',
    });
    expect(pairingLinkFromArgv(['C:\\Bayline\\Bayline.exe'])).toBeNull();
    expect(pairingLinkFromArgv(['Bayline.exe', 'BAYLINE://pair?relay=https%3A%2F%2Fr.example&code=ABCD2345'])).toEqual({ relayUrl: 'https://r.example', code: 'ABCD2345' });
  });
});

describe('the remembered window', () => {
  const laptop = [{ x: 0, y: 0, width: 1366, height: 728 }];
  const twoScreens = [...laptop, { x: 1366, y: 0, width: 1920, height: 1040 }];
  const file = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-window-')), 'window-state.json');

  it('opens where it was closed, maximised if it was', () => {
    const f = file();
    saveWindowState(f, { x: 1500, y: 40, width: 1600, height: 900, maximized: true });
    expect(readWindowState(f, twoScreens)).toEqual({ x: 1500, y: 40, width: 1600, height: 900, maximized: true });
  });

  it('comes back onto the screen when the screen it was on is gone, and never larger than the screen', () => {
    const f = file();
    saveWindowState(f, { x: 1500, y: 40, width: 1600, height: 900, maximized: false });
    expect(readWindowState(f, laptop)).toEqual({ width: 1366, height: 728, maximized: false });
  });

  it('a first start, or a damaged file, opens at the default size', () => {
    expect(readWindowState(file(), laptop)).toEqual({ ...DEFAULT_WINDOW, height: 728, width: 1366 });
    const f = file();
    fs.writeFileSync(f, '{"x": "nope", "width": -5');
    expect(readWindowState(f, twoScreens)).toEqual(DEFAULT_WINDOW);
  });
});

describe('where the installed desk keeps things', () => {
  it('under AppData\\Roaming\\Bayline: data, crash reports, the window; BAYLINE_DATA moves only the data', () => {
    const appData = path.join('C:', 'Users', 'frontdesk', 'AppData', 'Roaming');
    expect(desktopPaths(appData, {})).toEqual({
      userData: path.join(appData, 'Bayline'),
      data: path.join(appData, 'Bayline', 'data'),
      crashReports: path.join(appData, 'Bayline', 'crash-reports'),
      windowState: path.join(appData, 'Bayline', 'window-state.json'),
    });
    expect(desktopPaths(appData, { BAYLINE_DATA: '/srv/bayline' }).data).toBe(path.resolve('/srv/bayline'));
  });
});
