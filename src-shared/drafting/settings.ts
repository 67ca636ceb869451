// The shop's drafting settings: drafting on or off, the tone in the shop's words, its own example
// messages, the email signature, and whether amounts (estimate total, deductible) go into a
// customer's draft (off unless the shop chooses it).
import { z } from 'zod';

export const draftingSettingsSchema = z
  .object({
    enabled: z.boolean(),
    tone: z.string().trim().max(500, 'must be at most 500 characters'),
    examples: z.array(z.string().trim().min(1, 'must not be empty').max(1600, 'must be at most 1600 characters')).max(10, 'may hold at most 10 examples'),
    signature: z.string().max(1000, 'must be at most 1000 characters'),
    shareAmountsWithCustomer: z.boolean(),
  })
  .strict();

export type DraftingSettings = z.infer<typeof draftingSettingsSchema>;

export const DEFAULT_DRAFTING_SETTINGS: DraftingSettings = { enabled: true, tone: '', examples: [], signature: '', shareAmountsWithCustomer: false };
