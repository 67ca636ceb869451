// A new customer's estimate request (from the public shop page) as the check-in form's first
// values: the name split in two, the mobile and email, "2021 Subaru Outback" as year, make and
// model, the insurer and claim number; the mobile is searched so a returning customer shows.
import type { AppointmentEntry } from '../../src-shared/scheduling/desk-api.js';

export interface LeadPrefill {
  customer: { firstName: string; lastName: string; mobile: string; email: string };
  vehicle: { year: string; make: string; model: string };
  claim: { insurer: string; claimNumber: string };
  /** What the customer search starts with (the mobile finds a returning customer). */
  query: string;
}

export function leadPrefill(a: AppointmentEntry): LeadPrefill {
  const [firstName = '', ...rest] = a.name.trim().split(/\s+/);
  const words = (a.vehicle ?? '').trim().split(/\s+/).filter(Boolean);
  const year = words[0] && /^(19|20)\d{2}$/.test(words[0]) ? words.shift()! : '';
  const [make = '', ...model] = words;
  return {
    customer: { firstName, lastName: rest.join(' '), mobile: a.mobile ?? '', email: a.email ?? '' },
    vehicle: { year, make, model: model.join(' ') },
    claim: { insurer: a.insurer ?? '', claimNumber: a.claimNumber ?? '' },
    query: a.mobile ?? a.name,
  };
}
