// How long a text is to a carrier: GSM-7 when every character is in the GSM 03.38 alphabet
// (the extension characters count twice), UCS-2 otherwise; 160/153 or 70/67 per segment.
// The desk's preview shows this so a person sees what a long or emoji-laden text costs.

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';

const basic = new Set([...GSM_BASIC]);
const extension = new Set([...GSM_EXTENSION]);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Characters as a person counts them. */
  characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the carrier counts. */
  units: number;
  segments: number;
}

export function countSegments(text: string): SegmentCount {
  const characters = [...text].length;
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (basic.has(ch)) septets += 1;
    else if (extension.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) {
    return { encoding: 'GSM-7', characters, units: septets, segments: septets === 0 ? 0 : septets <= 160 ? 1 : Math.ceil(septets / 153) };
  }
  const units = text.length;
  return { encoding: 'UCS-2', characters, units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}
