// Pairing a desk with a relay: trade the operator's one-time code for a device credential and
// keep it in the data folder. The workspace itself arrives through sync on the first connection.
import os from 'node:os';
import { readDeskConfig } from '../desk-config.js';
import { type DeviceCredential, readDevice, writeDevice } from './device.js';
import { roNumberGrantSchema } from '../../src-shared/sync/protocol.js';
import fs from 'node:fs';
import path from 'node:path';

export class PairingError extends Error {
  readonly code = 'pairing-failed';
}

export async function pairDesk(input: {
  dataDir: string;
  relayUrl: string;
  code: string;
  deviceName?: string;
}): Promise<DeviceCredential> {
  const relayUrl = input.relayUrl.replace(/\/+$/, '');
  const existing = readDevice(input.dataDir);
  let response: Response;
  try {
    response = await fetch(`${relayUrl}/pair`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: input.code, deviceName: input.deviceName ?? os.hostname() }),
    });
  } catch (err) {
    throw new PairingError(`Could not reach the relay at ${relayUrl} (${(err as Error).message}). Check the address and the internet connection.`);
  }
  const body = (await response.json().catch(() => ({}))) as {
    message?: string;
    deviceId?: string;
    secret?: string;
    workspace?: { id: string; slug: string; name: string };
    portalUrl?: string;
    numbers?: unknown;
  };
  if (!response.ok || !body.deviceId || !body.secret || !body.workspace) {
    throw new PairingError(body.message ?? `The relay refused the pairing (HTTP ${response.status}).`);
  }
  if (existing && existing.workspace.id !== body.workspace.id) {
    throw new PairingError(
      `This data folder belongs to ${existing.workspace.name}; it cannot be paired with ${body.workspace.name}. Use a new data folder.`,
    );
  }
  const device: DeviceCredential = {
    relayUrl,
    ...(typeof body.portalUrl === 'string' && /^https?:\/\//.test(body.portalUrl) ? { portalUrl: body.portalUrl.replace(/\/+$/, '') } : {}),
    deviceId: body.deviceId,
    secret: body.secret,
    workspace: body.workspace,
    pairedAt: new Date().toISOString(),
  };
  const numbers = roNumberGrantSchema.safeParse(body.numbers);
  if (numbers.success) device.numbers = numbers.data;
  writeDevice(input.dataDir, device);
  if (!readDeskConfig(input.dataDir)) {
    fs.writeFileSync(path.join(input.dataDir, 'desk.json'), `${JSON.stringify({ workspace: body.workspace.slug }, null, 2)}\n`);
  }
  return device;
}
