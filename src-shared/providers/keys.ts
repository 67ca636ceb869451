// How a work provider's people type a claim reference or a plate, and how a shop types an insurer
// name, made comparable: the same function on the desk (mapping insurer names) and on the relay
// (the lookup index), so "hm-123 456", "HM123456" and "Hm 123-456" are one claim.

/** Upper case, without spaces, dashes, dots, slashes or underscores; null when nothing is left. */
export function lookupKey(value: string | null | undefined): string | null {
  if (value == null) return null;
  const key = value.normalize('NFKC').toUpperCase().replace(/[\s\-._/\\]+/g, '');
  return key.length > 0 ? key : null;
}

/** An insurer name as written on an RO, compared without case and surrounding or doubled spaces. */
export function insurerKey(value: string | null | undefined): string | null {
  if (value == null) return null;
  const key = value.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  return key.length > 0 ? key : null;
}

/** The insurer names of a grant (a JSON array of strings in the synced row); anything else counts as none. */
export function grantInsurerNames(json: string | null | undefined): string[] {
  if (!json) return [];
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((n): n is string => typeof n === 'string' && n.trim().length > 0) : [];
  } catch {
    return [];
  }
}
