// `npm run local-mail`: a real IMAP server (Debian's Dovecot) and an SMTP server on 127.0.0.1 with
// one mailbox, to try an "Other mail (IMAP/SMTP)" connection without a mail host. It prints what to
// type in Settings › Email, delivers a mail to the mailbox when you press Enter, and prints every
// message the relay sends. Ctrl-C stops both (the temporary mailbox is deleted).
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { LocalDovecot, LocalSmtp } from './local-servers.js';

const { values } = parseArgs({
  options: { address: { type: 'string', default: 'office@lakeside.example' }, password: { type: 'string', default: 'try-bayline' } },
});
const address = values.address!;
const password = values.password!;
const dovecot = await LocalDovecot.start({ [address]: password });
const smtp = await LocalSmtp.start({ [address]: password });
console.log('Local mail servers are running. In Bayline, Settings › Email › Other mail (IMAP/SMTP):');
console.log(`  Email address ${address}, username ${address}, password ${password}`);
console.log(`  IMAP server 127.0.0.1 port ${dovecot.port}, security "None (local only)"`);
console.log(`  SMTP server 127.0.0.1 port ${smtp.port}, security "None (local only)"`);
console.log('The relay needs BAYLINE_MAIL_TOKEN_KEY (e.g. $(openssl rand -hex 32)) and nothing else for IMAP.');
console.log('Press Enter to deliver a mail from an adjuster; type a claim number first to put it in the subject.');

let seen = 0;
const timer = setInterval(() => {
  for (const m of smtp.received.slice(seen)) console.log(`\nSent by the relay to ${m.to.join(', ')}:\n${m.raw.split('\r\n\r\n')[0]}\n`);
  seen = smtp.received.length;
}, 500);

const rl = readline.createInterface({ input: process.stdin });
let n = 0;
rl.on('line', (line) => {
  n += 1;
  const claim = line.trim();
  const raw = [
    'From: Pat Adjuster <pat.adjuster@insurer.example>',
    `To: <${address}>`,
    `Subject: ${claim ? `Claim ${claim}: ` : ''}supplement ${n} approved`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <local-${Date.now()}-${n}@insurer.example>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Supplement ${n} is approved. Please proceed.`,
    '',
  ].join('\r\n');
  void dovecot.deliver(address, raw).then(() => console.log(`Delivered mail ${n} to ${address}.`));
});

const stop = async () => {
  clearInterval(timer);
  rl.close();
  await smtp.close();
  await dovecot.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
