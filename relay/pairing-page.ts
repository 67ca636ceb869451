// GET /pair/open?code=CODE: the page an operator sends a shop (`relay pair` prints its address).
// Its button is the bayline:// link that opens the installed desk's pairing screen with this relay
// and the code filled in; the code is also shown large for typing by hand. The page checks nothing
// about the code (the desk's pairing does), so it tells a visitor nothing either.
import type { FastifyPluginAsync } from 'fastify';
import { pairingLinkFor } from '../src-shared/pairing-link.js';

const CODE = /^[A-Za-z0-9-]{6,16}$/;
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function pairingPage(relayUrl: string, code: string | null): string {
  const body = code
    ? `<h1>Pair a Bayline desk</h1>
<p>On the front-desk PC where Bayline is installed, open this page and press the button. Bayline opens its pairing screen with this shop's relay and code filled in; press <strong>Pair</strong> there.</p>
<p><a class="button" href="${escape(pairingLinkFor(relayUrl, code))}">Open in Bayline</a></p>
<p>Or type them in Bayline under Settings › Relay:</p>
<dl><dt>Relay address</dt><dd>${escape(relayUrl)}</dd><dt>Pairing code</dt><dd class="code">${escape(code)}</dd></dl>
<p class="small">The code pairs one desk and works for 15 minutes after it was made. Ask for a new one if it has run out.</p>`
    : `<h1>Pair a Bayline desk</h1><p>This link has no pairing code in it. Ask whoever runs your relay for a new pairing link.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>Pair a Bayline desk</title>
<style>body{font-family:system-ui,sans-serif;color:#1c2330;background:#eef1f5;margin:0;padding:2rem 1rem}main{max-width:34rem;margin:0 auto;background:#fff;border:1px solid #c9d1db;border-radius:8px;padding:1.5rem}
h1{margin-top:0;font-size:1.5rem}.button{display:inline-block;background:#1d4f91;color:#fff;padding:.7rem 1.2rem;border-radius:6px;text-decoration:none;font-weight:600}
.button:focus{outline:3px solid #f0a500;outline-offset:2px}dt{font-weight:600;margin-top:.6rem}dd{margin:0;word-break:break-all}.code{font-size:1.8rem;letter-spacing:.15em;font-family:ui-monospace,monospace}.small{color:#525c6b;font-size:.9rem}</style>
</head><body><main>${body}</main></body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const pairingPagePlugin: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { code?: string } }>('/pair/open', async (req, reply) => {
    const raw = typeof req.query.code === 'string' ? req.query.code.trim() : '';
    const code = CODE.test(raw) ? raw.toUpperCase() : null;
    return reply
      .code(code ? 200 : 400)
      .header('content-security-policy', CSP)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .type('text/html; charset=utf-8')
      .send(pairingPage(app.publicUrl, code));
  });
};
