// Settings › Email › "Other mail (IMAP/SMTP)": the server settings of a mailbox that is neither
// Gmail nor Outlook (a web host's mail, say). The relay logs in to both servers before it keeps
// anything and says which one refused; once connected the mailbox shows up above as "Connected
// as …" through sync. Usual settings are filled in: IMAP 993 over SSL/TLS, SMTP 465 over SSL/TLS
// (587 with STARTTLS when that is picked). The password is cleared from the form once sent.
import { type FormEvent, useState } from 'react';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';

type Security = 'tls' | 'starttls' | 'none';

const SECURITY_WORDS: Record<Security, string> = {
  tls: 'SSL/TLS',
  starttls: 'STARTTLS',
  none: 'None (local only)',
};

function SecuritySelect(props: { label: string; value: Security; onChange: (v: Security) => void }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange(e.target.value as Security)}>
        {(Object.keys(SECURITY_WORDS) as Security[]).map((k) => (
          <option key={k} value={k}>
            {SECURITY_WORDS[k]}
          </option>
        ))}
      </select>
    </label>
  );
}

/** `reconnect`: an IMAP mailbox whose password stopped working (the form opens with its address). */
export function ImapConnectForm({ reconnect = null }: { reconnect?: string | null }) {
  const { api } = useDesk();
  const [open, setOpen] = useState(false);
  const [address, setAddress] = useState('');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [imapHost, setImapHost] = useState('');
  const [imapPort, setImapPort] = useState('993');
  const [imapSecurity, setImapSecurity] = useState<Security>('tls');
  const [smtpHost, setSmtpHost] = useState('');
  const [smtpPort, setSmtpPort] = useState('465');
  const [smtpSecurity, setSmtpSecurity] = useState<Security>('tls');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const domain = address.includes('@') ? address.split('@')[1]!.trim() : '';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      await api.call('mail-connect-imap', {
        address: address.trim(),
        user: user.trim() || address.trim(),
        password,
        imapHost: imapHost.trim() || (domain ? `imap.${domain}` : ''),
        imapPort: Number(imapPort),
        imapSecurity,
        smtpHost: smtpHost.trim() || (domain ? `smtp.${domain}` : ''),
        smtpPort: Number(smtpPort),
        smtpSecurity,
      });
      // The mailbox shows up above as "Connected as …" once the relay's row arrives by sync.
      setPassword('');
      setOpen(false);
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  if (!open) {
    return (
      <div className="row">
        <button
          type="button"
          onClick={() => {
            if (reconnect && !address) setAddress(reconnect);
            setOpen(true);
          }}
        >
          {reconnect ? `Reconnect ${reconnect} (IMAP/SMTP)` : 'Connect other mail (IMAP/SMTP)'}
        </button>
      </div>
    );
  }
  return (
    <form className="stack" aria-label="Other mail (IMAP/SMTP)" onSubmit={(e) => void submit(e)} noValidate>
      <h4>Other mail (IMAP/SMTP)</h4>
      <p className="muted small">The settings your mail host gives for mail programs. Bayline tries both servers before it keeps anything.</p>
      <div className="row">
        <label className="field grow">
          <span>Email address</span>
          <input type="email" autoComplete="off" value={address} maxLength={254} onChange={(e) => setAddress(e.target.value)} placeholder="office@yourshop.com" />
        </label>
        <label className="field grow">
          <span>Username</span>
          <input autoComplete="off" value={user} maxLength={320} onChange={(e) => setUser(e.target.value)} placeholder={address || 'usually the email address'} />
        </label>
        <label className="field grow">
          <span>Password</span>
          <input type="password" autoComplete="new-password" value={password} maxLength={1000} onChange={(e) => setPassword(e.target.value)} />
        </label>
      </div>
      <div className="row">
        <label className="field grow">
          <span>IMAP server (incoming)</span>
          <input autoComplete="off" value={imapHost} maxLength={253} onChange={(e) => setImapHost(e.target.value)} placeholder={domain ? `imap.${domain}` : 'imap.example.com'} />
        </label>
        <label className="field">
          <span>IMAP port</span>
          <input inputMode="numeric" value={imapPort} maxLength={5} onChange={(e) => setImapPort(e.target.value.replace(/\D/g, ''))} />
        </label>
        <SecuritySelect
          label="IMAP security"
          value={imapSecurity}
          onChange={(v) => {
            setImapSecurity(v);
            if (imapPort === '993' && v !== 'tls') setImapPort('143');
            if (imapPort === '143' && v === 'tls') setImapPort('993');
          }}
        />
      </div>
      <div className="row">
        <label className="field grow">
          <span>SMTP server (outgoing)</span>
          <input autoComplete="off" value={smtpHost} maxLength={253} onChange={(e) => setSmtpHost(e.target.value)} placeholder={domain ? `smtp.${domain}` : 'smtp.example.com'} />
        </label>
        <label className="field">
          <span>SMTP port</span>
          <input inputMode="numeric" value={smtpPort} maxLength={5} onChange={(e) => setSmtpPort(e.target.value.replace(/\D/g, ''))} />
        </label>
        <SecuritySelect
          label="SMTP security"
          value={smtpSecurity}
          onChange={(v) => {
            setSmtpSecurity(v);
            if (smtpPort === '465' && v !== 'tls') setSmtpPort('587');
            if (smtpPort === '587' && v === 'tls') setSmtpPort('465');
          }}
        />
      </div>
      <div className="row">
        <button type="submit" className="primary" disabled={busy || !address.trim() || !password}>
          {busy ? 'Trying the servers…' : 'Connect'}
        </button>
        <button type="button" className="quiet" onClick={() => setOpen(false)} disabled={busy}>
          Cancel
        </button>
      </div>
      {problem ? (
        <p className="notice notice-problem" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
