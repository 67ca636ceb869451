// In search: when what is typed is a phone number, "Log a call from …" opens the Log call dialog
// with it (matched there to a customer and their open repair, or logged unassigned).
import { useState } from 'react';
import { normalizePhone } from '../../src-shared/phone.js';
import { LogCallDialog } from './LogCallDialog.js';
import { deskCountry, formatPhone } from '../shared/format.js';

export function LogCallFromSearch({ q, onClose }: { q: string; onClose(): void }) {
  const [open, setOpen] = useState(false);
  const digits = q.replace(/\D/g, '');
  const looksLikePhone = /^[+()\d\s.-]+$/.test(q.trim()) && digits.length >= 10 && digits.length <= 15;
  if (!looksLikePhone && !open) return null;
  const number = normalizePhone(q, deskCountry().code);
  return (
    <>
      <p className="log-call-from-search">
        <button type="button" onClick={() => setOpen(true)}>
          Log a call from {formatPhone(number)}
        </button>
      </p>
      {open ? <LogCallDialog number={q} onClose={onClose} /> : null}
    </>
  );
}
