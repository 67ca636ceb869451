// Windows BMP files (24-bit, uncompressed), the format NSIS wants for installer artwork; sharp
// cannot write BMP. decodeBmp is what the icon test reads them back with.

/** `rgb` is width*height*3 bytes, top row first (sharp's raw output). */
export function encodeBmp(rgb: Buffer, width: number, height: number): Buffer {
  if (rgb.length !== width * height * 3) throw new Error(`Expected ${width * height * 3} bytes of RGB for ${width}×${height}, got ${rgb.length}.`);
  const rowSize = Math.ceil((width * 3) / 4) * 4;
  const pixelBytes = rowSize * height;
  const file = Buffer.alloc(54 + pixelBytes);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22); // positive: rows stored bottom-up
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  file.writeUInt32LE(0, 30);
  file.writeUInt32LE(pixelBytes, 34);
  file.writeInt32LE(2835, 38); // 72 dpi
  file.writeInt32LE(2835, 42);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * rowSize;
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 3;
      file[row + x * 3] = rgb[from + 2]!;
      file[row + x * 3 + 1] = rgb[from + 1]!;
      file[row + x * 3 + 2] = rgb[from]!;
    }
  }
  return file;
}

/** Reads back a 24-bit uncompressed BMP (as encodeBmp writes) into top-row-first RGB. */
export function decodeBmp(file: Buffer): { width: number; height: number; bitsPerPixel: number; rgb: Buffer } {
  if (file.toString('latin1', 0, 2) !== 'BM') throw new Error('Not a BMP file (no "BM" at its start).');
  const offset = file.readUInt32LE(10);
  const width = file.readInt32LE(18);
  const rawHeight = file.readInt32LE(22);
  const bitsPerPixel = file.readUInt16LE(28);
  if (bitsPerPixel !== 24 || file.readUInt32LE(30) !== 0) throw new Error(`Only uncompressed 24-bit BMPs are read here, not ${bitsPerPixel}-bit.`);
  const height = Math.abs(rawHeight);
  const rowSize = Math.ceil((width * 3) / 4) * 4;
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = offset + (rawHeight > 0 ? height - 1 - y : y) * rowSize;
    for (let x = 0; x < width; x++) {
      rgb[(y * width + x) * 3] = file[row + x * 3 + 2]!;
      rgb[(y * width + x) * 3 + 1] = file[row + x * 3 + 1]!;
      rgb[(y * width + x) * 3 + 2] = file[row + x * 3]!;
    }
  }
  return { width, height, bitsPerPixel, rgb };
}
