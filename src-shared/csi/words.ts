// The review invitation's words (issue 18), without zod so the desk's screens can check as the
// person types (zod compiles its checks with `new Function`, which the renderer's CSP refuses).

export const REVIEW_SITES = ['google', 'yelp', 'facebook'] as const;
export type ReviewSite = (typeof REVIEW_SITES)[number];
export const REVIEW_SITE_LABELS: Record<ReviewSite, string> = { google: 'Google', yelp: 'Yelp', facebook: 'Facebook' };

export const DEFAULT_INVITATION = 'Would you share your experience with others? A review helps people near you choose a body shop.';

/**
 * Words that offer something for a review. The FTC's rule on consumer reviews (16 CFR 465) forbids
 * paying for reviews or tying a benefit to one, so the invitation must carry none of them.
 */
export const INCENTIVE_WORDS = ['discount', 'gift card', 'giftcard', 'free', 'coupon', 'reward', 'voucher', 'cash', 'prize', 'raffle', 'sweepstake', 'giveaway', '% off', 'percent off', 'credit', 'rebate', 'bonus', '$'] as const;

/** The incentive words an invitation holds (empty when it is fine). */
export function incentiveWordsIn(text: string): string[] {
  const lower = text.toLowerCase();
  return INCENTIVE_WORDS.filter((w) => (/^[a-z ]+$/.test(w) ? new RegExp(`\\b${w}`).test(lower) : lower.includes(w)));
}

export function incentiveMessage(found: string[]): string {
  return `The invitation may not offer anything for a review (it says “${found.join('”, “')}”). The FTC's rule on consumer reviews forbids rewarding reviews, and every customer must get the same invitation.`;
}
