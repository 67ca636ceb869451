// `npm run fake-microsoft`: the fake Microsoft on its own, to try Outlook mailboxes without a
// Microsoft 365 account. It prints the settings to give the relay, approves sign-ins for one test
// account, and takes inbound mail to deliver at POST /fake/deliver ({ "from", "subject", "text",
// "html"? }), which also notifies the relay when it has subscribed. POST /fake/invalidate makes
// the account's refresh tokens invalid (as a password change would); POST /fake/expire-delta makes
// Graph forget the relay's delta links.
import { parseArgs } from 'node:util';
import { FakeMicrosoft } from './fake-microsoft.js';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8791' }, account: { type: 'string', default: 'shop@example.com' } },
});
const microsoft = new FakeMicrosoft({ clientId: '00000000-0000-4000-8000-0000ba71e0de', clientSecret: 'demo-only~secret', account: values.account! });
microsoft.app.post('/fake/deliver', async (req, reply) => {
  const body = (req.body ?? {}) as { from?: string; subject?: string; text?: string; html?: string; inReplyTo?: string };
  if (!body.from || !body.text) return reply.code(400).send({ error: 'Give at least "from" and "text".' });
  return microsoft.deliver({ from: body.from, subject: body.subject ?? '', text: body.text, html: body.html, inReplyTo: body.inReplyTo, references: body.inReplyTo });
});
microsoft.app.post('/fake/invalidate', async () => {
  microsoft.invalidateRefreshTokens();
  return { ok: true };
});
microsoft.app.post('/fake/expire-delta', async () => {
  microsoft.expireDelta();
  return { ok: true };
});
microsoft.app.get('/fake/sent', async () => microsoft.sent);
const url = await microsoft.start(Number(values.port));
console.log(`Fake Microsoft for ${values.account} at ${url}. Start the relay with:`);
console.log(`  MICROSOFT_CLIENT_ID=${microsoft.options.clientId} MICROSOFT_CLIENT_SECRET=${microsoft.options.clientSecret} \\`);
console.log(`  MICROSOFT_AUTHORITY_URL=${url} MICROSOFT_GRAPH_URL=${url} BAYLINE_MAIL_TOKEN_KEY=$(openssl rand -hex 32) \\`);
console.log('  npm run relay -- serve ...');
console.log(`Deliver a mail: curl -X POST ${url}/fake/deliver -H 'content-type: application/json' -d '{"from":"Pat <pat@insurer.example>","subject":"Claim SF-1","text":"Hello"}'`);
console.log(`Sent mail (raw MIME): curl ${url}/fake/sent`);
