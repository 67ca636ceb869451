// `npm run fake-google`: the fake Google on its own, to try the mail hub without a Google account.
// It prints the settings to give the relay, approves sign-ins for one test account, and takes
// inbound mail to deliver at POST /fake/deliver ({ "from", "subject", "text", "html"? }).
import { parseArgs } from 'node:util';
import { FakeGoogle } from './fake-google.js';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8790' }, account: { type: 'string', default: 'shop@example.com' } },
});
const google = new FakeGoogle({ clientId: 'bayline-demo.apps.googleusercontent.com', clientSecret: 'GOCSPX-demo-only', account: values.account! });
google.app.post('/fake/deliver', async (req, reply) => {
  const body = (req.body ?? {}) as { from?: string; subject?: string; text?: string; html?: string; inReplyTo?: string };
  if (!body.from || !body.text) return reply.code(400).send({ error: 'Give at least "from" and "text".' });
  return google.deliver({ from: body.from, subject: body.subject ?? '', text: body.text, html: body.html, inReplyTo: body.inReplyTo });
});
const url = await google.start(Number(values.port));
console.log(`Fake Google for ${values.account} at ${url}. Start the relay with:`);
console.log(`  GOOGLE_CLIENT_ID=${google.options.clientId} GOOGLE_CLIENT_SECRET=${google.options.clientSecret} \\`);
console.log(`  GOOGLE_OAUTH_URL=${url} GOOGLE_API_URL=${url}/ BAYLINE_MAIL_TOKEN_KEY=$(openssl rand -hex 32) BAYLINE_MAIL_POLL_MS=2000 \\`);
console.log('  npm run relay -- serve ...');
console.log(`Deliver a mail: curl -X POST ${url}/fake/deliver -H 'content-type: application/json' -d '{"from":"Pat <pat@insurer.example>","subject":"Claim SF-1","text":"Hello"}'`);
