// Finding the quoted history in a plain-text mail, so the desk can fold it behind "Show earlier
// messages": the "On … wrote:" line (and its translations), Outlook's "-----Original Message-----"
// or "From: … Sent: …" header block, and a trailing run of "> " lines. Pure: no DOM, no Node
// built-ins (renderer and relay).

export interface SplitText {
  /** What the sender wrote in this mail (trailing blank lines removed). */
  body: string;
  /** The quoted history from its first line on, or null when there is none (or nothing above it). */
  quoted: string | null;
}

// "On Tue, 3 Dec 2026 at 09:12, Dana <dana@ins.example> wrote:" and its common translations.
const WROTE = [
  /^on\b.{0,300}\bwrote:\s*$/iu,
  /^am\b.{0,300}\bschrieb.{0,80}:\s*$/iu,
  /^le\b.{0,300}\ba écrit\s*:\s*$/iu,
  /^el\b.{0,300}\bescribió:\s*$/iu,
  /^il\b.{0,300}\bha scritto:\s*$/iu,
  /^em\b.{0,300}\bescreveu:\s*$/iu,
  /^op\b.{0,300}\bschreef.{0,80}:\s*$/iu,
  /^den\b.{0,300}\bskrev.{0,80}:\s*$/iu,
];
const ORIGINAL_MESSAGE = /^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|forwarded message)\s*-{2,}\s*$/iu;
const OUTLOOK_RULE = /^\s*_{20,}\s*$/u;
const HEADER_FROM = /^\s*\*?(?:from|von|de|da|van|från|fra)\s*:\*?\s+\S/iu;
const HEADER_NEXT = /^\s*\*?(?:sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden|skickat|sendt|to|an|à|para|a|aan|till|til|subject|betreff|objet|asunto|oggetto|onderwerp|ämne|emne)\s*:\*?\s/iu;
const QUOTE_LINE = /^\s*>/u;

/** Splits a plain-text mail into what was written now and the quoted history below it. */
export function splitQuotedText(text: string): SplitText {
  const lines = text.replace(/\r\n?/gu, '\n').split('\n');
  const start = quoteStart(lines);
  if (start === null) return { body: trimEnd(lines).join('\n'), quoted: null };
  const body = trimEnd(lines.slice(0, start));
  // A mail that is nothing but a quote (a bare forward) has nothing to fold it under.
  if (body.every((l) => l.trim() === '')) return { body: trimEnd(lines).join('\n'), quoted: null };
  return { body: body.join('\n'), quoted: trimEnd(lines.slice(start)).join('\n') };
}

function quoteStart(lines: string[]): number | null {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (QUOTE_LINE.test(line)) continue;
    // "On … wrote:" sometimes wraps onto a second line.
    const joined = i + 1 < lines.length ? `${line.trim()} ${lines[i + 1]!.trim()}` : line.trim();
    if (WROTE.some((re) => re.test(line.trim()) || re.test(joined))) return i;
    if (ORIGINAL_MESSAGE.test(line)) return i;
    if (OUTLOOK_RULE.test(line) && HEADER_FROM.test(nextNonBlank(lines, i + 1) ?? '')) return i;
    if (HEADER_FROM.test(line) && lines.slice(i + 1, i + 4).some((l) => HEADER_NEXT.test(l))) return i;
  }
  // A trailing block of "> " lines (blank lines allowed between them) is the quoted history.
  let i = lines.length - 1;
  while (i >= 0 && lines[i]!.trim() === '') i--;
  let start: number | null = null;
  while (i >= 0 && (QUOTE_LINE.test(lines[i]!) || lines[i]!.trim() === '')) {
    if (QUOTE_LINE.test(lines[i]!)) start = i;
    i--;
  }
  return start;
}

function nextNonBlank(lines: string[], from: number): string | undefined {
  for (let i = from; i < lines.length; i++) if (lines[i]!.trim() !== '') return lines[i];
  return undefined;
}

function trimEnd(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === '') end--;
  return lines.slice(0, end);
}
