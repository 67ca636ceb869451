// A work provider's logo (its pages are white-labelled with it): PNG, JPEG or WebP, 200 KB at most.
// The type is read from the file's first bytes, not from its name or the browser's word, so what
// the relay serves under that type is that kind of picture. SVG is refused: it can carry script.
export const LOGO_MAX_BYTES = 200 * 1024;

export class ProviderLogoError extends Error {}

/** The logo as stored ({ type, base64 data }), or a ProviderLogoError naming what is wrong. */
export function checkLogo(bytes: Buffer, fileName = 'the file'): { type: string; data: string } {
  if (bytes.length === 0) throw new ProviderLogoError(`${fileName} is empty; choose a PNG, JPEG or WebP picture.`);
  if (bytes.length > LOGO_MAX_BYTES) throw new ProviderLogoError(`${fileName} is ${Math.ceil(bytes.length / 1024)} KB; a logo may be 200 KB at most. Nothing was changed.`);
  const type = sniff(bytes);
  if (!type) {
    const svg = /^\s*(<\?xml|<svg)/i.test(bytes.subarray(0, 200).toString('utf8'));
    throw new ProviderLogoError(`${fileName} is ${svg ? 'an SVG drawing' : 'not a PNG, JPEG or WebP picture'}; save the logo as PNG, JPEG or WebP. Nothing was changed.`);
  }
  return { type, data: bytes.toString('base64') };
}

function sniff(b: Buffer): string | null {
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}
