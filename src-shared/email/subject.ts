// Subjects of mail as a person reads them and as threading compares them: the reply and forward
// prefixes mail programs add in many languages ("Re:", "RE[2]:", "Fwd:", "AW:", "SV:", "[EXTERNAL]")
// stripped from the front, whitespace tidied. Pure: no DOM, no Node built-ins (renderer and relay).

// Reply/forward prefixes: English, German (AW, WG), Nordic (SV, VS, VB), Dutch (Antw, Doorst),
// French (TR, RE), Italian (R, RIF, I), Spanish (RV), Portuguese (ENC), Polish (ODP, PD), Finnish (VL).
const PREFIX = /^\s*(?:re|fwd?|aw|wg|sv|vs|vb|antw|doorst|tr|rif|r|i|rv|enc|odp|pd|vl)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*/iu;
// Tags a mail gateway puts in front: [EXTERNAL], [External Sender], [SPAM?]…
const GATEWAY_TAG = /^\s*\[(?:external[^\]]*|ext|spam\??|caution[^\]]*)\]\s*/iu;

/** The subject without its reply/forward prefixes and gateway tags, whitespace collapsed, in NFC. */
export function normalizeSubject(subject: string | null | undefined): string {
  let s = (subject ?? '').normalize('NFC').replace(/\s+/gu, ' ').trim();
  for (;;) {
    const next = s.replace(PREFIX, '').replace(GATEWAY_TAG, '');
    if (next === s) break;
    s = next;
  }
  return s.trim();
}

/** A key for comparing subjects when threading: normalised and case-folded ("" when there is nothing left). */
export function subjectKey(subject: string | null | undefined): string {
  return normalizeSubject(subject).toLocaleLowerCase('en-US');
}

/** What the desk shows for a mail without a subject. */
export const NO_SUBJECT = '(no subject)';

/** The subject to show a person: the original text tidied, or "(no subject)". */
export function subjectForDisplay(subject: string | null | undefined): string {
  const s = (subject ?? '').replace(/\s+/gu, ' ').trim();
  return s === '' ? NO_SUBJECT : s;
}
