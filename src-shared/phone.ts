// Phone numbers as typed at the desk, kept as E.164 so texts and search agree on one form.

/** Returns +E.164 for North American numbers typed in any common format, or the digits with '+' for others; null if too short. */
export function normalizePhone(input: string, defaultCountry = '1'): string | null {
  const trimmed = input.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 7) return null;
  if (trimmed.startsWith('+')) return `+${digits}`;
  if (defaultCountry === '1') {
    if (digits.length === 10) return `+1${digits}`;
    if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`;
  }
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  return `+${defaultCountry}${digits}`;
}

/** The forms a person may type when looking a number up: full international digits, national digits, last seven, last four. */
export function phoneSearchForms(e164: string): string[] {
  const digits = e164.replace(/\D/g, '');
  const forms = new Set<string>([digits]);
  if (digits.startsWith('1') && digits.length === 11) forms.add(digits.slice(1));
  if (digits.length > 7) forms.add(digits.slice(-7));
  if (digits.length > 4) forms.add(digits.slice(-4));
  return [...forms];
}

/** (512) 555-0134 for North American numbers, the E.164 form otherwise. */
export function formatPhone(e164: string | null | undefined): string {
  if (!e164) return '';
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : e164;
}
