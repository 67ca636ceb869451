// bayline:// pairing links (made by the relay, read by the desk): the relay's pairing page (and `relay pair`) offers
// bayline://pair?relay=<relay address>&code=<code>; Windows starts the desk with it as an argument
// (or hands it to the desk already running), and the desk opens its pairing screen filled in.
// Electron-free, so the parsing is tested in Node.

export const PROTOCOL = 'bayline';
const CODE = /^[A-Za-z0-9-]{6,16}$/;

export interface PairingLink {
  relayUrl: string;
  code: string;
}

export function pairingLinkFor(relayUrl: string, code: string): string {
  return `${PROTOCOL}://pair?relay=${encodeURIComponent(relayUrl.replace(/\/+$/, ''))}&code=${encodeURIComponent(code)}`;
}

/** The relay and code of a pairing link, or null for anything else (a link is typed input from outside). */
export function parsePairingLink(link: string): PairingLink | null {
  if (link.length > 600) return null;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.protocol !== `${PROTOCOL}:`) return null;
  // bayline://pair?… parses with "pair" as the host; bayline:pair?… (some launchers) as the path.
  const action = (url.host || url.pathname).replace(/^\/+|\/+$/g, '');
  if (action !== 'pair') return null;
  const relay = url.searchParams.get('relay') ?? '';
  const code = (url.searchParams.get('code') ?? '').trim();
  if (!CODE.test(code)) return null;
  let relayUrl: URL;
  try {
    relayUrl = new URL(relay);
  } catch {
    return null;
  }
  if (relayUrl.protocol !== 'https:' && relayUrl.protocol !== 'http:') return null;
  if (relayUrl.username || relayUrl.password) return null;
  return { relayUrl: relayUrl.toString().replace(/\/+$/, ''), code: code.toUpperCase() };
}

/** The pairing link among a process's arguments (Windows passes it as one argument), if any. */
export function pairingLinkFromArgv(argv: readonly string[]): PairingLink | null {
  for (const arg of argv) {
    if (arg.toLowerCase().startsWith(`${PROTOCOL}:`)) {
      const link = parsePairingLink(arg);
      if (link) return link;
    }
  }
  return null;
}
