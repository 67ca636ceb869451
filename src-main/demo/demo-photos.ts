// Photos for the demo shop's repairs: a drawing of the car (its body style and colour, the
// damaged panel marked) in a body shop bay, with the caption a technician would give it, made
// with sharp (librsvg) as a JPEG. They read as repair photos in a thumbnail; nobody would take
// them for real ones at full size, and they are not meant to be.
import sharp from 'sharp';
import type { Rng } from './rng.js';

export type PhotoMoment = 'check-in' | 'damage' | 'teardown' | 'paint' | 'finished';

export interface DemoPhotoInput {
  vehicle: { year: number; make: string; model: string; color: string };
  roNumber: number;
  moment: PhotoMoment;
  /** Where the damage is: 0 front … 1 rear. */
  damageAt: number;
}

const PAINT: Record<string, string> = {
  White: '#f1f2f0',
  Black: '#1d1f22',
  Gray: '#6c7075',
  Silver: '#b9bdc1',
  Blue: '#24508f',
  Red: '#a8201a',
  'Pearl White': '#f6f3ea',
  Green: '#2f5d3a',
  Brown: '#5b3e2b',
  Orange: '#d8671c',
  'Magnetic Gray': '#4a4e53',
};

const TRUCKS = /F-150|F-250|Silverado|Tacoma|Tundra|Frontier|^1500$|^2500$|Sierra/;
const SUVS = /Explorer|Escape|Bronco|Equinox|Tahoe|Traverse|RAV4|Highlander|CR-V|Pilot|Odyssey|Rogue|Pathfinder|Cherokee|Wrangler|Compass|Tucson|Santa Fe|Sorento|Sportage|Telluride|Model Y|Outback|Forester|Crosstrek|Yukon|Acadia|X3|X5|GLE|GLC|RX|NX|Atlas|Tiguan|CX-/;

type Body = 'sedan' | 'suv' | 'truck';

export function bodyOf(model: string): Body {
  if (TRUCKS.test(model)) return 'truck';
  if (SUVS.test(model)) return 'suv';
  return 'sedan';
}

/** The car's side outline (front to the left) on a 960×720 frame, and its wheel centres. */
function outline(body: Body): { path: string; cabin: string; wheels: [number, number]; bottom: number } {
  switch (body) {
    case 'truck':
      return {
        path: 'M120,470 L130,390 L250,370 L330,290 L520,285 L540,370 L850,370 L860,470 Z',
        cabin: 'M345,300 L510,298 L520,365 L275,368 Z',
        wheels: [235, 730],
        bottom: 470,
      };
    case 'suv':
      return {
        path: 'M120,475 L125,395 L230,375 L320,280 L720,275 L800,360 L845,380 L850,475 Z',
        cabin: 'M335,292 L700,290 L765,362 L265,368 Z',
        wheels: [245, 715],
        bottom: 475,
      };
    default:
      return {
        path: 'M110,470 L120,405 L260,380 L370,305 L610,300 L720,375 L850,395 L860,470 Z',
        cabin: 'M385,316 L600,313 L690,374 L295,378 Z',
        wheels: [250, 715],
        bottom: 470,
      };
  }
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const PHOTO_CAPTIONS: Record<PhotoMoment, string> = {
  'check-in': 'Check-in walk-around',
  damage: 'Damage at drop-off',
  teardown: 'Teardown: hidden damage',
  paint: 'Panels in primer, ready for paint',
  finished: 'Repair finished, after detail',
};

/** One JPEG photo; the same input gives the same bytes (no randomness beyond `rng`). */
export async function demoPhoto(rng: Rng, input: DemoPhotoInput): Promise<Buffer> {
  const body = bodyOf(input.vehicle.model);
  const shape = outline(body);
  const paint = PAINT[input.vehicle.color] ?? '#777b80';
  const x = 160 + input.damageAt * 620;
  const y = shape.bottom - 45 - rng.int(0, 25);
  const lean = rng.int(-3, 3);
  const wall = rng.pick(['#c9ccc6', '#d5d1c4', '#bfc6cc', '#cfcac0']);
  const floor = rng.pick(['#8a8d8f', '#7f8388', '#93918a']);
  const primer = input.moment === 'paint';
  const damaged = input.moment !== 'finished' && input.moment !== 'paint';
  const close = input.moment === 'damage' || input.moment === 'teardown';
  const scale = close ? 1.9 : 1;
  const panels = primer
    ? `<rect x="${x - 110}" y="${shape.bottom - 140}" width="220" height="120" fill="#9a9d98" opacity="0.92"/>`
    : '';
  const dent = damaged
    ? `<g opacity="0.85">
         <ellipse cx="${x}" cy="${y}" rx="${input.moment === 'teardown' ? 70 : 55}" ry="26" fill="#000" opacity="0.28"/>
         <path d="M${x - 60},${y - 8} l30,10 l18,-14 l26,18 l30,-8" stroke="#f4f4f4" stroke-width="3" fill="none" opacity="0.7"/>
         <path d="M${x - 50},${y + 10} l40,-6 l22,12 l35,-9" stroke="#222" stroke-width="2" fill="none"/>
         ${input.moment === 'teardown' ? `<rect x="${x - 40}" y="${y - 18}" width="80" height="36" fill="#3b3b3b" opacity="0.55"/>` : ''}
       </g>`
    : '';
  const shine = input.moment === 'finished' ? `<path d="${shape.path}" fill="url(#shine)" opacity="0.5"/>` : '';
  const tape = damaged ? `<rect x="${x - 20}" y="${y - 70}" width="40" height="12" fill="#f2c230" transform="rotate(${lean * 4} ${x} ${y - 64})"/>` : '';
  const caption = `RO ${input.roNumber} · ${input.vehicle.year} ${input.vehicle.make} ${input.vehicle.model}`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="720" viewBox="0 0 960 720">
  <defs>
    <linearGradient id="wall" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${wall}"/><stop offset="1" stop-color="#9da1a0"/></linearGradient>
    <linearGradient id="floor" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${floor}"/><stop offset="1" stop-color="#4d5053"/></linearGradient>
    <linearGradient id="paint" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#ffffff" stop-opacity="0.35"/><stop offset="0.45" stop-color="#ffffff" stop-opacity="0"/><stop offset="1" stop-color="#000000" stop-opacity="0.3"/></linearGradient>
    <linearGradient id="shine" x1="0" y1="0" x2="1" y2="0"><stop offset="0.3" stop-color="#fff" stop-opacity="0"/><stop offset="0.5" stop-color="#fff" stop-opacity="0.6"/><stop offset="0.7" stop-color="#fff" stop-opacity="0"/></linearGradient>
  </defs>
  <rect width="960" height="720" fill="url(#wall)"/>
  <rect x="40" y="60" width="260" height="170" fill="#e9ecef" opacity="0.55"/>
  <rect x="660" y="80" width="90" height="200" fill="#5b6770" opacity="0.5"/>
  <rect y="440" width="960" height="280" fill="url(#floor)"/>
  <line x1="0" y1="600" x2="960" y2="560" stroke="#e7c83a" stroke-width="8" opacity="0.6"/>
  <g transform="rotate(${lean * 0.4} 480 400) translate(${close ? (0.5 - input.damageAt) * 700 - 430 * (scale - 1) : 0} ${close ? -330 : 0}) scale(${scale})">
    <ellipse cx="485" cy="${shape.bottom + 38}" rx="400" ry="26" fill="#000" opacity="0.3"/>
    <path d="${shape.path}" fill="${paint}" stroke="#202225" stroke-width="3"/>
    <path d="${shape.path}" fill="url(#paint)"/>
    ${panels}
    <path d="${shape.cabin}" fill="#2c3a44" stroke="#1a1d20" stroke-width="3"/>
    <line x1="${(shape.wheels[0] + shape.wheels[1]) / 2}" y1="${shape.bottom - 150}" x2="${(shape.wheels[0] + shape.wheels[1]) / 2 + 5}" y2="${shape.bottom - 10}" stroke="#1a1d20" stroke-width="2"/>
    <rect x="120" y="${shape.bottom - 70}" width="26" height="18" fill="#fff6c8" stroke="#333"/>
    <rect x="${shape.wheels[1] + 110}" y="${shape.bottom - 75}" width="20" height="22" fill="#c1261c" stroke="#333"/>
    ${dent}
    ${tape}
    ${shine}
    ${shape.wheels.map((w) => `<circle cx="${w}" cy="${shape.bottom + 5}" r="58" fill="#151617"/><circle cx="${w}" cy="${shape.bottom + 5}" r="30" fill="#a9adb1" stroke="#555" stroke-width="4"/>`).join('')}
  </g>
  <rect y="640" width="960" height="80" fill="#000" opacity="0.62"/>
  <text x="28" y="673" font-family="DejaVu Sans, Noto Sans, sans-serif" font-size="26" fill="#fff">${escapeXml(PHOTO_CAPTIONS[input.moment])}</text>
  <text x="28" y="706" font-family="DejaVu Sans, Noto Sans, sans-serif" font-size="20" fill="#d9dde0">${escapeXml(caption)}</text>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 78, mozjpeg: false }).toBuffer();
}
