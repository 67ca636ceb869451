// The long-strings pseudo-locale (en-XA): every English string about 40% longer and accented,
// with its {{values}}, <tags> and {merge_fields} left as they are, so layouts can be checked for
// clipping before a real long language (German, French) arrives. Used by tests and, on request,
// by the desk (src-renderer/shared/pseudo-locale.ts).

const ACCENTED: Record<string, string> = {
  a: 'á', e: 'é', i: 'í', o: 'ö', u: 'ü', c: 'ç', n: 'ñ', y: 'ý', s: 'š', z: 'ž',
  A: 'Å', E: 'É', I: 'Î', O: 'Ø', U: 'Ü', C: 'Ç', N: 'Ñ', Y: 'Ý', S: 'Š', Z: 'Ž',
};

const KEEP = /(\{\{[^}]*\}\}|\{[a-z_]+\}|<[^>]*>|&[a-z]+;)/g;

/** One string made about 40% longer and accented; placeholders and markup untouched. */
export function pseudoString(text: string): string {
  if (text.trim() === '') return text;
  let letters = 0;
  const accented = text
    .split(KEEP)
    .map((part, i) => {
      if (i % 2 === 1) return part;
      letters += part.length;
      return part.replace(/[A-Za-z]/g, (c) => ACCENTED[c] ?? c);
    })
    .join('');
  const extra = Math.max(4, Math.ceil(letters * 0.4));
  // Padding made of word-like pieces, so a line can still wrap the way real words do.
  const pieces = ['ẋẍ', 'ŵẅŵ', 'ẋẍẋ', 'ŵẋ'];
  let pad = '';
  for (let i = 0; pad.length < extra - 1; i += 1) pad += (pad ? ' ' : '') + pieces[i % pieces.length];
  return `${accented} ${pad}`;
}

/** Every string of a catalogue, lengthened (same keys). */
export function pseudoCatalogue<T>(catalogue: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return pseudoString(v);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(catalogue) as T;
}
