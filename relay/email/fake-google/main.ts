// `npm run fake-google`: the fake Google on its own, to try the mail hub without a Google account.
// It prints the settings to give the relay, approves sign-ins for one test account, and takes
// inbound mail to deliver at POST /fake/deliver ({ "from", "subject", "text", "html"? }). Its
// Pub/Sub push subscription delivers to the relay's push URL (--push-to, the relay on this
// machine's by default), so with the printed Gmail push settings mail arrives by push.
import { parseArgs } from 'node:util';
import { FakeGoogle } from './fake-google.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8790' },
    account: { type: 'string', default: 'shop@example.com' },
    'push-to': { type: 'string', default: 'http://127.0.0.1:4790/mail/gmail/push' },
  },
});
const TOPIC = 'projects/bayline-demo/topics/gmail-push';
const SERVICE_ACCOUNT = 'gmail-push@bayline-demo.iam.gserviceaccount.com';
const google = new FakeGoogle({ clientId: 'bayline-demo.apps.googleusercontent.com', clientSecret: 'GOCSPX-demo-only', account: values.account! });
google.pushTo({ endpoint: values['push-to']!, serviceAccount: SERVICE_ACCOUNT });
google.app.post('/fake/deliver', async (req, reply) => {
  const body = (req.body ?? {}) as { from?: string; subject?: string; text?: string; html?: string; inReplyTo?: string };
  if (!body.from || !body.text) return reply.code(400).send({ error: 'Give at least "from" and "text".' });
  return google.deliver({ from: body.from, subject: body.subject ?? '', text: body.text, html: body.html, inReplyTo: body.inReplyTo });
});
const url = await google.start(Number(values.port));
console.log(`Fake Google for ${values.account} at ${url}. Start the relay with:`);
console.log(`  GOOGLE_CLIENT_ID=${google.options.clientId} GOOGLE_CLIENT_SECRET=${google.options.clientSecret} \\`);
console.log(`  GOOGLE_OAUTH_URL=${url} GOOGLE_API_URL=${url}/ BAYLINE_MAIL_TOKEN_KEY=$(openssl rand -hex 32) BAYLINE_MAIL_POLL_MS=2000 \\`);
console.log(`  GMAIL_PUBSUB_TOPIC=${TOPIC} GMAIL_PUSH_SERVICE_ACCOUNT=${SERVICE_ACCOUNT} \\`);
console.log('  npm run relay -- serve ...');
console.log(`(Drop the two GMAIL_ settings to try polling alone. Pushes go to ${values['push-to']}, signed with a key served at ${url}/oauth2/v1/certs;`);
console.log(' a relay elsewhere: --push-to <its public URL>/mail/gmail/push, and GMAIL_PUSH_AUDIENCE if its public URL differs.)');
console.log(`Deliver a mail: curl -X POST ${url}/fake/deliver -H 'content-type: application/json' -d '{"from":"Pat <pat@insurer.example>","subject":"Claim SF-1","text":"Hello"}'`);
