// The car as its owner knows it: year, colour, make, model (never the VIN).
export function vehicleLine(v: { year: number | null; color: string | null; make: string | null; model: string | null } | undefined): string {
  if (!v) return '';
  return [v.year, v.color, v.make, v.model].filter((x) => x !== null && x !== '').join(' ');
}
