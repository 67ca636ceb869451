// The desk page's Content-Security-Policy, one rule set for both ways the page is shown: the
// browser host sends it as a header (with the WebSocket its page listens on, and
// frame-ancestors), the Electron window gets it as a <meta> tag in its built index.html (its page
// talks to the core over IPC, not a socket; a meta policy cannot set frame-ancestors, and the
// window never sits in a frame). A mail's sandboxed frame (src-renderer/email/MailBody.tsx) is an
// srcdoc document, which inherits this policy on top of its own: so inline styles (a mail's own
// formatting) and http(s) pictures are allowed here, and the frame's stricter policy keeps remote
// pictures out until the person presses "Show pictures". Pure, so the Vite config can import it.

export function deskCsp(options: { connect?: string[]; asMetaTag?: boolean } = {}): string {
  return [
    "default-src 'self'",
    ["connect-src 'self'", ...(options.connect ?? [])].join(' '),
    "img-src 'self' data: blob: https: http:",
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'self'",
    ...(options.asMetaTag ? [] : ["frame-ancestors 'none'"]),
  ].join('; ');
}

/** The Electron window's policy (the built renderer's index.html carries it). */
export const ELECTRON_PAGE_CSP = deskCsp({ asMetaTag: true });
