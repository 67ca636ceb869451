// A photo chosen at the desk in the iPhone's HEIC format, kept as a JPEG instead: neither the
// desk's screens (Chromium, Electron) nor a customer's browser can show HEIC. One function, called
// by desk-files.ts on the bytes it is about to store, whatever way they reached the desk.
import { ApiError } from '../../src-shared/api/errors.js';
import { DEFAULT_HEIC_LIMITS, HeicError, heicToJpeg } from '../../src-shared/media/heic.js';

/** The bytes and type to store: a HEIC/HEIF photo as a JPEG (upright, no metadata), anything else as it came. */
export async function deskPhotoForStorage(bytes: Buffer, mimeType: string): Promise<{ bytes: Buffer; mimeType: string }> {
  if (mimeType !== 'image/heic') return { bytes, mimeType };
  try {
    const jpeg = await heicToJpeg(bytes, { limits: DEFAULT_HEIC_LIMITS, maxSide: 4096, quality: 90 });
    return { bytes: jpeg.data, mimeType: 'image/jpeg' };
  } catch (err) {
    if (err instanceof HeicError && err.problem === 'too-large') {
      throw new ApiError('file-refused', `That iPhone photo has more than ${DEFAULT_HEIC_LIMITS.maxPixels / 1_000_000} megapixels, more than a repair can hold. Export it smaller and add it again.`);
    }
    if (err instanceof HeicError) {
      throw new ApiError('file-refused', 'This iPhone photo (HEIC) could not be opened: it may be damaged or only partly copied. Copy it from the phone again, or export it as a JPEG.');
    }
    throw err;
  }
}
