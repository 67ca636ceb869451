// Vehicle identification numbers: the ISO 3779 / North American check digit (position 9).

const TRANSLITERATION: Record<string, number> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8,
  J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
  S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
};
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

export type VinCheck =
  | { ok: true; vin: string }
  | { ok: false; vin: string; problem: string };

/** Normalises (upper case, no spaces or dashes) and checks length, letters and the check digit. */
export function checkVin(input: string): VinCheck {
  const vin = input.toUpperCase().replace(/[\s-]/g, '');
  if (vin.length !== 17) {
    return { ok: false, vin, problem: `A VIN has 17 characters; this one has ${vin.length}.` };
  }
  const bad = vin.match(/[IOQ]/);
  if (bad) {
    return { ok: false, vin, problem: `A VIN never contains the letter ${bad[0]}; check for a 1 or 0 instead.` };
  }
  if (!/^[A-Z0-9]{17}$/.test(vin)) {
    return { ok: false, vin, problem: 'A VIN has only letters and digits.' };
  }
  const expected = vinCheckDigit(vin);
  if (vin[8] !== expected) {
    return {
      ok: false,
      vin,
      problem: `The check digit (9th character) should be ${expected} but is ${vin[8]}; a character was probably mistyped.`,
    };
  }
  return { ok: true, vin };
}

export function vinCheckDigit(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const ch = vin[i]!;
    const value = /[0-9]/.test(ch) ? Number(ch) : (TRANSLITERATION[ch] ?? 0);
    sum += value * WEIGHTS[i]!;
  }
  const rest = sum % 11;
  return rest === 10 ? 'X' : String(rest);
}
