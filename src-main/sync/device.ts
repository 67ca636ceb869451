// The desk's device credential for its relay, kept in the data folder (readable by this user
// only). The relay holds just a hash of the secret.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { roNumberGrantSchema } from '../../src-shared/sync/protocol.js';

const deviceSchema = z.object({
  relayUrl: z.string().url(),
  /** Where customers reach the relay (its --public-url), for portal links; older files lack it. */
  portalUrl: z.string().url().optional(),
  deviceId: z.string(),
  secret: z.string(),
  workspace: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  pairedAt: z.string(),
  /** The RO numbers the relay handed out with the credential (moved into `meta` when the desk opens). */
  numbers: roNumberGrantSchema.optional(),
});
export type DeviceCredential = z.infer<typeof deviceSchema>;

export function deviceFile(dataDir: string): string {
  return path.join(dataDir, 'device.json');
}

export function readDevice(dataDir: string): DeviceCredential | null {
  const file = deviceFile(dataDir);
  if (!fs.existsSync(file)) return null;
  const parsed = deviceSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is damaged; pair this desk again.`);
  return parsed.data;
}

export function writeDevice(dataDir: string, device: DeviceCredential): void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = deviceFile(dataDir);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(device, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}
