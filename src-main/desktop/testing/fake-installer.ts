// A stand-in for a Bayline-Setup-X.Y.Z.exe made by electron-builder, which cannot be built on these
// machines: a Windows program's headers (MZ, PE) and an NSIS installer's signature, then random
// bytes, so every copy is different and a damaged byte changes its hashes.
import { randomBytes } from 'node:crypto';

export function fakeNsisInstaller(sizeBytes: number): Buffer {
  const bytes = randomBytes(Math.max(sizeBytes, 1024));
  bytes.write('MZ', 0, 'latin1');
  bytes.writeUInt32LE(0x80, 0x3c);
  bytes.write('PE\0\0', 0x80, 'latin1');
  // NSIS's first header: flags, then 0xDEADBEEF and "NullsoftInst".
  bytes.writeUInt32LE(0xdeadbeef, 0x204);
  bytes.write('NullsoftInst', 0x208, 'latin1');
  return bytes;
}
