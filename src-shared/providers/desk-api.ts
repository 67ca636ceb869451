// The desk's work-provider methods (issue 19): Settings › Work providers (the relay's directory,
// the shop's grants: insurer names, what is shared, revoke) and the "share with insurer" toggles
// on a repair's photos, documents and messages. Spread into the typed API in ../api/contract.ts.
import { z } from 'zod';
import type { RepairOrderDetail } from '../domain.js';

function method<A extends z.ZodType>(args: A) {
  return { returns: <R>() => ({ args, result: undefined as unknown as R }) };
}

const id = z.string().min(1, 'is required').max(64);
const none = z.object({}).strict();

/** A provider as the relay lists it. */
export interface DirectoryProvider {
  id: string;
  slug: string;
  name: string;
  kind: string;
}

/** One of the shop's grants, as Settings shows it. */
export interface ProviderGrant {
  id: string;
  providerId: string;
  providerName: string;
  insurerNames: string[];
  sharePhotos: boolean;
  shareDocuments: boolean;
  shareMessages: boolean;
  shareAmounts: boolean;
  grantedAt: string | null;
  revokedAt: string | null;
  /** How many of the shop's repairs (open or not) carry one of its insurer names. */
  repairCount: number;
}

export const providerGrantArgs = z
  .object({
    /** Absent for a new grant. */
    id: id.optional(),
    providerId: id,
    providerName: z.string().trim().min(1, 'is required').max(100),
    insurerNames: z
      .array(z.string().trim().min(1, 'may not be empty').max(120))
      .min(1, 'needs at least one insurer name as it is written on your repair orders')
      .max(20, 'may hold at most 20 names'),
    sharePhotos: z.boolean(),
    shareDocuments: z.boolean(),
    shareMessages: z.boolean(),
    shareAmounts: z.boolean(),
  })
  .strict();

export const PROVIDER_API = {
  'provider-directory': method(none).returns<DirectoryProvider[]>(),
  'provider-grant-list': method(none).returns<ProviderGrant[]>(),
  'provider-grant-save': method(providerGrantArgs).returns<ProviderGrant[]>(),
  'provider-grant-revoke': method(z.object({ id }).strict()).returns<ProviderGrant[]>(),
  'attachment-set-shared': method(z.object({ id, shared: z.boolean() }).strict()).returns<RepairOrderDetail>(),
  'message-set-shared': method(z.object({ id, shared: z.boolean() }).strict()).returns<RepairOrderDetail>(),
};
