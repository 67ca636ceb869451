// The consumer disclosure a customer agrees to before signing electronically for a shop (US ESIGN
// Act §101(c), UETA): the right to paper, withdrawal and what it means, scope, keeping contact
// details current, and what a phone needs. Its version string is kept with every consent and every
// signature; a change to the words gets a new version.

export const DISCLOSURE_VERSION = 'bayline-esign-disclosure-2026-12';

export interface DisclosureSection {
  heading: string;
  text: string;
}

export function disclosure(shop: { name: string; phone: string; email: string; address: string }): DisclosureSection[] {
  const reach = [shop.phone && `call ${shop.phone}`, shop.email && `email ${shop.email}`, shop.address && `visit ${shop.address}`].filter(Boolean).join(', ');
  const contact = reach || 'ask at the front desk';
  return [
    {
      heading: 'Paper is always an option',
      text: `You have the right to get any of these documents on paper, and to sign on paper instead. To ask for a paper copy, ${contact}. A paper copy costs nothing.`,
    },
    {
      heading: 'You can withdraw your consent',
      text: `You may withdraw this consent at any time, on this page ("Stop signing electronically") or by telling ${shop.name}. Withdrawing does not undo documents you have already signed. After you withdraw, ${shop.name} will ask you to sign on paper, which may take longer (you may need to come to the shop).`,
    },
    {
      heading: 'What this consent covers',
      text: `It covers the documents ${shop.name} asks you to sign about your repair: the repair authorization, betterment acknowledgements, supplement approvals and the pickup sign-off. Each one is shown to you in full before you sign, and you decide on each one separately.`,
    },
    {
      heading: 'Keep your contact details current',
      text: `One-time codes and links go to the mobile number or email address ${shop.name} has on file. If yours changes, ${contact} to update it.`,
    },
    {
      heading: 'What you need',
      text: 'A phone, tablet or computer with an up-to-date web browser (Safari, Chrome, Firefox or Edge), a connection to the internet, and a way to receive text messages for the one-time code. To keep a copy, you need to be able to open and save a PDF file; every signed document can be downloaded here.',
    },
  ];
}

/** The words the customer ticks for one document: "I agree to sign this repair authorization electronically". */
export function intentText(kind: string, title: string): string {
  const what: Record<string, string> = {
    authorization: 'this repair authorization',
    betterment: 'this betterment acknowledgement',
    supplement: 'this supplement approval',
    pickup: 'this pickup sign-off',
  };
  return `I agree to sign ${what[kind] ?? `"${title}"`} electronically`;
}

/** A phone number as the customer may see where the code went: "(512) ***-0147". */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, '').slice(-10);
  if (digits.length < 10) return '***';
  return `(${digits.slice(0, 3)}) ***-${digits.slice(6)}`;
}
