// The operator's side of texting: find a local number with SMS and MMS, order it on the
// messaging profile, wait for the order, and map it to the shop; keep each shop's 10DLC state
// (US carriers deliver application texts only from numbers on an active 10DLC campaign).
// What a desk must know (the number, the 10DLC state) is written into the shop's synced settings.
import type Telnyx from 'telnyx';
import { normalizePhone } from '../../src-shared/phone.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import type { RelayStorage } from '../storage/types.js';

export interface AvailableNumber {
  phoneNumber: string;
  features: string[];
  region: string;
}

export async function searchNumbers(client: Telnyx, areaCode: string, limit = 10): Promise<AvailableNumber[]> {
  if (!/^\d{3}$/.test(areaCode)) throw new NumberError('An area code is three digits, like 512.');
  const found = await client.availablePhoneNumbers.list({
    filter: { country_code: 'US', national_destination_code: areaCode, features: ['sms', 'mms'], phone_number_type: 'local', limit },
  });
  return (found.data ?? [])
    .filter((n) => typeof n.phone_number === 'string')
    .map((n) => ({
      phoneNumber: n.phone_number!,
      features: (n.features ?? []).map((f) => f.name ?? '').filter(Boolean),
      region: n.region_information?.map((r) => r.region_name).filter(Boolean).join(', ') ?? '',
    }));
}

export class NumberError extends Error {}

/** The shop's 10DLC state as desks show it: 'active', 'pending', 'not-registered', 'rejected'. */
export type TenDlcState = 'active' | 'pending' | 'not-registered' | 'rejected';

export function tenDlcState(campaignStatus: string | null | undefined): TenDlcState {
  switch (campaignStatus) {
    case 'MNO_PROVISIONED':
    case 'MNO_ACCEPTED':
    case 'TCR_ACCEPTED':
    case 'TELNYX_ACCEPTED':
      return campaignStatus === 'MNO_PROVISIONED' ? 'active' : 'pending';
    case 'TCR_PENDING':
    case 'MNO_PENDING':
      return 'pending';
    case null:
    case undefined:
      return 'not-registered';
    default:
      return 'rejected';
  }
}

/**
 * Orders `phoneNumber` on the messaging profile and waits until Telnyx reports the order done,
 * then maps it to the workspace. Fails with a sentence when the order fails or takes too long.
 */
export async function provisionNumber(
  client: Telnyx,
  storage: RelayStorage,
  input: { workspaceId: string; phoneNumber: string; messagingProfileId: string | null; pollMs?: number; timeoutMs?: number },
): Promise<{ orderId: string; tenDlc: TenDlcState }> {
  const number = normalizePhone(input.phoneNumber);
  if (!number || !/^\+1\d{10}$/.test(number)) throw new NumberError(`"${input.phoneNumber}" is not a US number in the form +1XXXXXXXXXX.`);
  const taken = await storage.sms.workspaceOfNumber(number);
  if (taken && taken !== input.workspaceId) throw new NumberError(`${number} already belongs to another workspace.`);
  const ordered = await client.numberOrders.create({
    phone_numbers: [{ phone_number: number }],
    ...(input.messagingProfileId ? { messaging_profile_id: input.messagingProfileId } : {}),
  });
  const orderId = ordered.data?.id;
  if (!orderId) throw new NumberError('Telnyx did not return an order id; check the Telnyx portal before ordering again.');
  const deadline = Date.now() + (input.timeoutMs ?? 120_000);
  let status = ordered.data?.status ?? 'pending';
  while (status === 'pending') {
    if (Date.now() > deadline) throw new NumberError(`Order ${orderId} is still pending at Telnyx; run "number list" later or check the Telnyx portal.`);
    await new Promise((r) => setTimeout(r, input.pollMs ?? 2000));
    status = (await client.numberOrders.retrieve(orderId)).data?.status ?? 'pending';
  }
  if (status !== 'success') throw new NumberError(`Telnyx could not complete order ${orderId} (${status}). Nothing was assigned.`);
  await assignNumber(storage, { workspaceId: input.workspaceId, phoneNumber: number, orderId, messagingProfileId: input.messagingProfileId });
  const tenDlc = await refreshTenDlc(client, storage, input.workspaceId);
  return { orderId, tenDlc };
}

/** Maps a number to a workspace and tells its desks (through the synced settings). */
export async function assignNumber(
  storage: RelayStorage,
  input: { workspaceId: string; phoneNumber: string; orderId: string | null; messagingProfileId: string | null },
): Promise<void> {
  await storage.sms.mapNumber({ ...input, now: new Date().toISOString() });
  const first = await storage.sms.numberOfWorkspace(input.workspaceId);
  await writeSettings(storage, input.workspaceId, { sms_number: first });
}

/** Reads the 10DLC campaign of the shop's number from Telnyx and records its state. */
export async function refreshTenDlc(client: Telnyx, storage: RelayStorage, workspaceId: string): Promise<TenDlcState> {
  const number = await storage.sms.numberOfWorkspace(workspaceId);
  if (!number) throw new NumberError('This workspace has no texting number yet; provision one first.');
  let campaignId: string | null = null;
  let brandId: string | null = null;
  let campaignStatus: string | null = null;
  try {
    campaignId = (await client.messaging10dlc.phoneNumberCampaigns.retrieve(number)).campaignId ?? null;
  } catch (err) {
    if ((err as { status?: number }).status !== 404) throw err;
  }
  if (campaignId) {
    const campaign = await client.messaging10dlc.campaign.retrieve(campaignId);
    campaignStatus = campaign.campaignStatus ?? null;
    brandId = campaign.brandId ?? null;
  }
  const state = campaignId ? tenDlcState(campaignStatus) : 'not-registered';
  await storage.sms.set10dlc({ workspaceId, brandId, campaignId, status: state, now: new Date().toISOString() });
  await writeSettings(storage, workspaceId, { sms_10dlc_status: state });
  return state;
}

async function writeSettings(storage: RelayStorage, workspaceId: string, patch: { sms_number?: string | null; sms_10dlc_status?: string }): Promise<void> {
  const store = await storage.workspaceStore(workspaceId);
  await store.write({ actor: 'operator', action: 'sms-number', summary: 'Texting number settings changed by the operator' }, async (tx) => {
    if (await tx.get('workspace_settings', SETTINGS_ID)) await tx.update('workspace_settings', SETTINGS_ID, patch);
    else await tx.insert('workspace_settings', { id: SETTINGS_ID, ...patch });
  });
  await storage.announceChanges(workspaceId);
}
