// Real mail servers on 127.0.0.1 for the IMAP/SMTP tests and for trying the hub by hand: Debian's
// Dovecot (IMAP, run in the foreground from a config in a temp folder: passwd-file logins, a
// maildir per user, a random port, no TLS because it listens on this machine only) and an SMTP
// server from the `smtp-server` package that checks the login and keeps every message it was
// given (envelope and raw MIME), so tests read the real headers. `npm run fake:imap` starts both.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { SMTPServer } from 'smtp-server';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function dovecotBinary(): string {
  for (const p of ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot']) if (fs.existsSync(p)) return p;
  throw new Error('Dovecot is not installed: `apt-get install dovecot-imapd` (the CI script installs it).');
}

const idOf = (name: string, flag: '-u' | '-g') => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());

export class LocalDovecot {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly users: Map<string, string>,
    private readonly owner: { uid: number; gid: number },
    readonly log: string[],
  ) {}

  static async start(users: Record<string, string>): Promise<LocalDovecot> {
    const bin = dovecotBinary();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-dovecot-'));
    fs.chmodSync(dir, 0o755);
    for (const sub of ['run', 'state', 'home']) fs.mkdirSync(path.join(dir, sub), { mode: 0o755 });
    const root = process.getuid?.() === 0;
    // As root, mail is kept as Dovecot's own user (Dovecot refuses root for mail); otherwise as us.
    const owner = root ? { uid: idOf('dovecot', '-u'), gid: idOf('dovecot', '-g') } : { uid: process.getuid!(), gid: process.getgid!() };
    const me = os.userInfo().username;
    const port = await freePort();
    const conf = [
      `base_dir = ${dir}/run`,
      `state_dir = ${dir}/state`,
      'instance_name = bayline-test-' + path.basename(dir),
      'log_path = /dev/stderr',
      'protocols = imap',
      'listen = 127.0.0.1',
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      'auth_failure_delay = 0',
      `first_valid_uid = ${owner.uid}`,
      `last_valid_uid = ${owner.uid}`,
      'mail_location = maildir:~/Maildir',
      ...(root ? [] : [`default_internal_user = ${me}`, `default_login_user = ${me}`, `default_internal_group = ${os.userInfo().username}`]),
      'passdb {',
      '  driver = passwd-file',
      `  args = scheme=PLAIN username_format=%u ${dir}/passwd`,
      '}',
      'userdb {',
      '  driver = static',
      `  args = uid=${owner.uid} gid=${owner.gid} home=${dir}/home/%u`,
      '}',
      'namespace inbox {',
      '  inbox = yes',
      '  mailbox Sent {',
      '    special_use = \\Sent',
      '    auto = subscribe',
      '  }',
      '}',
      'service imap-login {',
      '  chroot =',
      '  inet_listener imap {',
      '    address = 127.0.0.1',
      `    port = ${port}`,
      '  }',
      '  inet_listener imaps {',
      '    port = 0',
      '  }',
      '}',
      'service anvil {',
      '  chroot =',
      // Tests try wrong passwords on purpose: no growing wait after them (Dovecot's auth penalty off).
      '  unix_listener anvil-auth-penalty {',
      '    mode = 0',
      '  }',
      '}',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'dovecot.conf'), conf);
    const known = new Map(Object.entries(users));
    writePasswd(dir, known);
    fs.chownSync(path.join(dir, 'home'), owner.uid, owner.gid);
    const child = spawn(bin, ['-F', '-c', path.join(dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const log: string[] = [];
    child.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
    const server = new LocalDovecot(dir, port, child, known, owner, log);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Dovecot stopped at start: ${log.join('').slice(-800)}`);
      const greeted = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('data', (d) => {
          s.destroy();
          resolve(d.toString().startsWith('* OK'));
        });
        s.once('error', () => resolve(false));
      });
      if (greeted) return server;
      if (Date.now() > deadline) {
        await server.close();
        throw new Error(`Dovecot did not answer on 127.0.0.1:${port}: ${log.join('').slice(-800)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The shop changes its mailbox password at its host (Dovecot looks at the file at most once a second). */
  async setPassword(user: string, password: string): Promise<void> {
    this.users.set(user, password);
    writePasswd(this.dir, this.users);
    await new Promise((r) => setTimeout(r, 1100));
  }

  /** A connection as `user` (logged in) for a test to act as the mail host delivering, or as another mail program. */
  async client(user: string): Promise<ImapFlow> {
    const c = new ImapFlow({ host: '127.0.0.1', port: this.port, secure: false, doSTARTTLS: false, auth: { user, pass: this.users.get(user)! }, logger: false, disableAutoIdle: true });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  /** A message delivered into a folder of `user`'s mailbox (as the mail host does with incoming mail). */
  async deliver(user: string, raw: string, folder = 'INBOX', flags: string[] = []): Promise<number> {
    const c = await this.client(user);
    try {
      const res = await c.append(folder, raw, flags);
      return res ? res.uid ?? 0 : 0;
    } finally {
      await c.logout().catch(() => c.close());
    }
  }

  /** The raw messages in a folder of `user`'s mailbox, in UID order. */
  async messages(user: string, folder: string): Promise<Array<{ uid: number; raw: string; flags: string[] }>> {
    const c = await this.client(user);
    const out: Array<{ uid: number; raw: string; flags: string[] }> = [];
    try {
      const lock = await c.getMailboxLock(folder, { readOnly: true });
      try {
        if (c.mailbox && c.mailbox.exists > 0) {
          for await (const m of c.fetch('1:*', { uid: true, source: true, flags: true })) out.push({ uid: m.uid, raw: m.source?.toString('utf8') ?? '', flags: [...(m.flags ?? [])] });
        }
      } finally {
        lock.release();
      }
    } finally {
      await c.logout().catch(() => c.close());
    }
    return out;
  }

  async uidValidity(user: string, folder = 'INBOX'): Promise<string> {
    const c = await this.client(user);
    try {
      const st = await c.status(folder, { uidValidity: true });
      return String(st ? st.uidValidity : '');
    } finally {
      await c.logout().catch(() => c.close());
    }
  }

  /**
   * The server forgets INBOX's UID list (a restored backup, a host moving the mailbox): the same
   * messages come back with new UIDs under a new UIDVALIDITY.
   */
  renumberInbox(user: string): void {
    const maildir = path.join(this.dir, 'home', user, 'Maildir');
    for (const f of fs.readdirSync(maildir)) if (f === 'dovecot-uidlist' || f.startsWith('dovecot.index')) fs.rmSync(path.join(maildir, f), { force: true });
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function writePasswd(dir: string, users: Map<string, string>) {
  const file = path.join(dir, 'passwd');
  fs.writeFileSync(`${file}.new`, [...users].map(([u, p]) => `${u}:{PLAIN}${p}::::`).join('\n') + '\n', { mode: 0o644 });
  fs.renameSync(`${file}.new`, file);
}

export interface ReceivedMail {
  from: string;
  to: string[];
  user: string;
  raw: string;
}

/** An SMTP server on 127.0.0.1 that checks the login and keeps what it was given. */
export class LocalSmtp {
  readonly received: ReceivedMail[] = [];
  /** The next message is refused with this code and text (e.g. 550 "5.1.1 No such user here"). */
  refuseNext: { code: number; text: string } | null = null;
  private server: SMTPServer;
  port = 0;

  constructor(private readonly users: Map<string, string>) {
    this.server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      banner: 'Bayline test SMTP',
      logger: false,
      onAuth: (auth, _session, cb) => {
        if (auth.username && this.users.get(auth.username) === auth.password) cb(null, { user: auth.username });
        else cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const refuse = this.refuseNext;
          this.refuseNext = null;
          if (refuse) return cb(Object.assign(new Error(refuse.text), { responseCode: refuse.code }));
          this.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: String(session.user ?? ''),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          cb(null);
        });
      },
    });
    this.server.on('error', () => undefined);
  }

  static async start(users: Record<string, string>): Promise<LocalSmtp> {
    const s = new LocalSmtp(new Map(Object.entries(users)));
    await new Promise<void>((resolve, reject) => {
      s.server.listen(0, '127.0.0.1', () => resolve()).once('error', reject);
    });
    s.port = (s.server.server.address() as net.AddressInfo).port;
    return s;
  }

  setPassword(user: string, password: string): void {
    this.users.set(user, password);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
