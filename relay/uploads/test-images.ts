// Test support: photos as a phone or a PC would produce them, made with sharp. Never imported by
// the relay itself.
import sharp from 'sharp';

/** Somewhere in Seattle, written the way libvips takes EXIF rationals ("deg/1 min/1 sec/100"). */
export const GPS_EXIF = {
  IFD0: { Make: 'Apple', Model: 'iPhone 15' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '47/1 36/1 3570/100',
    GPSLongitudeRef: 'W',
    GPSLongitude: '122/1 19/1 5520/100',
  },
};

/** A plain JPEG of the given size carrying camera EXIF and a GPS position. */
export function jpegWithGps(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3a6ea5' } })
    .jpeg()
    .withExif(GPS_EXIF)
    .toBuffer();
}

/**
 * A landscape JPEG as a phone held upright stores it: pixels on their side plus EXIF orientation
 * 6 ("turn 90° clockwise to show"). The stored left half is red, the right half blue, so shown
 * upright the top is red and the bottom blue.
 */
export async function sidewaysJpeg(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const at = (y * width + x) * 3;
      if (x < width / 2) pixels[at] = 220;
      else pixels[at + 2] = 220;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .withExif(GPS_EXIF)
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** The colour of one pixel of an encoded image, as [r, g, b]. */
export async function pixelAt(image: Buffer | string, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at] ?? -1, data[at + 1] ?? -1, data[at + 2] ?? -1];
}
