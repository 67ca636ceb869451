// Fills an empty workspace with a believable body shop (Lakeside Collision, Austin TX) for demos,
// screenshots and manual testing, going only through the typed API a person's clicks go through.
import { seedDemoAfterRepair } from '../csi/demo.js';
import type { ApiMethod, ArgsOf, ResultOf } from '../../src-shared/api/contract.js';
import type { RepairOrderDetail, StaffRole } from '../../src-shared/domain.js';
import { STAGES, type Stage } from '../../src-shared/stages.js';
import { vinCheckDigit } from '../../src-shared/vin.js';
import type { Session } from '../api/dispatch.js';
import type { Desk } from '../desk.js';
import { importDeskFile } from '../blobs/desk-files.js';
import { normalizePhone } from '../../src-shared/phone.js';
import { addDays, daysBetween, ShopCalendar, type ShopHours } from './demo-calendar.js';
import { type CustomerSide, customerWrote, textDelivered } from './demo-history.js';
import { demoPhoto, PHOTO_CAPTIONS, type PhotoMoment } from './demo-photos.js';
import { Rng } from './rng.js';

export { Rng };

export interface DemoShopOptions {
  openRos?: number;
  closedRos?: number;
  seed?: number;
}

const SHOP_TIME_ZONE = 'America/Chicago';
const SHOP_HOURS = {
  mon: { open: '07:30', close: '17:30' },
  tue: { open: '07:30', close: '17:30' },
  wed: { open: '07:30', close: '17:30' },
  thu: { open: '07:30', close: '17:30' },
  fri: { open: '07:30', close: '17:00' },
  sat: { open: '09:00', close: '12:00' },
  sun: null,
} satisfies ShopHours;

// ---------------------------------------------------------------------------------------------
// The people and cars of a Central Texas shop. Accented and extended-Latin names are there on
// purpose: search, sorting, printing and texts must all cope with them.

/** Customers every demo shop has on an open repair, so a demo can show accent-blind search. */
export const FEATURED_CUSTOMERS: ReadonlyArray<{ firstName: string; lastName: string }> = [
  { firstName: 'José', lastName: 'García' },
  { firstName: 'Zoë', lastName: 'Hart' },
  { firstName: 'Thị Hương', lastName: 'Nguyễn' },
  { firstName: 'Øyvind', lastName: 'Berg' },
  { firstName: "Siobhán", lastName: "O'Brien" },
  { firstName: 'Renée', lastName: 'Côté' },
  { firstName: 'Ramón', lastName: 'Muñoz' },
  { firstName: 'Björn', lastName: 'Åström' },
];

const FIRST_NAMES = [
  'James', 'Michael', 'Robert', 'David', 'William', 'Chris', 'Daniel', 'Matthew', 'Anthony', 'Joshua',
  'Mary', 'Jennifer', 'Linda', 'Sarah', 'Jessica', 'Ashley', 'Emily', 'Megan', 'Rachel', 'Lauren',
  'Tyler', 'Brandon', 'Kayla', 'Hannah', 'Caleb', 'Madison', 'Austin', 'Brittany', 'Cody', 'Haley',
  'José', 'Juan', 'Luis', 'Carlos', 'Jesús', 'Andrés', 'Sofía', 'María', 'Lucía', 'Valentina',
  'Ximena', 'Inés', 'Raúl', 'Martín', 'Verónica', 'Rocío', 'Guadalupe', 'Alejandro', 'Mónica', 'Ángel',
  'Minh', 'Thanh', 'Linh', 'Quang', 'Hằng', 'Dũng', 'Priya', 'Arjun', 'Deepa', 'Wei',
  'Jin', 'Soo-ah', 'Chidi', 'Ngozi', 'Zoë', 'Chloé', 'Noël', 'Renée', 'Seán', 'Aoife',
  'Søren', 'Åsa', 'Jürgen', 'Małgorzata', 'François', 'Dominique', 'Tanisha', 'DeShawn', 'Imani', 'Marcus',
];

const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor',
  'Thomas', 'Moore', 'Jackson', 'White', 'Harris', 'Clark', 'Lewis', 'Robinson', 'Walker', 'Young',
  'Allen', 'King', 'Wright', 'Scott', 'Hill', 'Green', 'Adams', 'Baker', 'Nelson', 'Carter',
  'Mitchell', 'Roberts', 'Turner', 'Phillips', 'Campbell', 'Parker', 'Evans', 'Edwards', 'Collins', 'Stewart',
  'García', 'Hernández', 'Martínez', 'Rodríguez', 'López', 'González', 'Pérez', 'Sánchez', 'Ramírez', 'Flores',
  'Gómez', 'Díaz', 'Cruz', 'Reyes', 'Morales', 'Gutiérrez', 'Ortiz', 'Chávez', 'Ruiz', 'Jiménez',
  'Muñoz', 'Peña', 'Castañeda', 'Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Patel', 'Shah',
  'Kim', 'Park', 'Chen', 'Wang', 'Okafor', 'Adeyemi', "O'Brien", "O'Connor", 'McAllister', 'Kowalski',
  'Schröder', 'Berg', 'Hart', 'Dubois', 'Lefèvre', 'Müller', 'Nørgaard', 'Wiśniewski', 'Brennan', 'Washington',
];

/** Area codes of Austin and the towns around it; every number is in the fictional 555-01xx range. */
const AREA_CODES = ['512', '737', '254', '830', '210', '979', '361', '325'];

/** The different ways people write the same mobile number on a form. */
const PHONE_FORMATS: ReadonlyArray<(area: string, line: string) => string> = [
  (a, l) => `(${a}) 555-${l}`,
  (a, l) => `(${a}) 555-${l}`,
  (a, l) => `${a}-555-${l}`,
  (a, l) => `${a}.555.${l}`,
  (a, l) => `${a}555${l}`,
  (a, l) => `+1 ${a} 555 ${l}`,
  (a, l) => `1-${a}-555-${l}`,
];

/**
 * Make, World Manufacturer Identifiers (first three VIN characters), models, and how common in
 * Texas. "Model@2020" means the model was first sold for that model year.
 */
const CARS: ReadonlyArray<{ make: string; wmi: readonly string[]; models: readonly string[]; weight: number }> = [
  { make: 'Ford', wmi: ['1FA', '1FT', '1FM', '3FA'], models: ['F-150', 'F-250', 'Explorer', 'Escape', 'Mustang', 'Bronco Sport@2021'], weight: 16 },
  { make: 'Chevrolet', wmi: ['1G1', '1GC', '3GN', '2GN'], models: ['Silverado 1500', 'Equinox', 'Tahoe', 'Malibu', 'Traverse'], weight: 13 },
  { make: 'Toyota', wmi: ['4T1', '5TD', 'JTD', '2T3', '5TF'], models: ['Camry', 'Corolla', 'RAV4', 'Highlander', 'Tacoma', 'Tundra'], weight: 16 },
  { make: 'Honda', wmi: ['1HG', '2HG', '5FN', '5J6'], models: ['Civic', 'Accord', 'CR-V', 'Pilot', 'Odyssey'], weight: 11 },
  { make: 'Nissan', wmi: ['1N4', '5N1', '3N1'], models: ['Altima', 'Sentra', 'Rogue', 'Frontier', 'Pathfinder'], weight: 9 },
  { make: 'Ram', wmi: ['1C6', '3C6'], models: ['1500', '2500'], weight: 7 },
  { make: 'Jeep', wmi: ['1C4'], models: ['Grand Cherokee', 'Wrangler', 'Cherokee', 'Compass'], weight: 5 },
  { make: 'Hyundai', wmi: ['5NP', 'KM8'], models: ['Elantra', 'Sonata', 'Tucson', 'Santa Fe'], weight: 6 },
  { make: 'Kia', wmi: ['KNA', '5XY'], models: ['Forte', 'Sorento', 'Sportage', 'Telluride@2020'], weight: 5 },
  { make: 'Tesla', wmi: ['5YJ', '7SA'], models: ['Model 3@2017', 'Model Y@2020'], weight: 4 },
  { make: 'Subaru', wmi: ['4S3', 'JF2'], models: ['Outback', 'Forester', 'Crosstrek'], weight: 3 },
  { make: 'GMC', wmi: ['1GT', '3GT'], models: ['Sierra 1500', 'Yukon', 'Acadia'], weight: 4 },
  { make: 'BMW', wmi: ['WBA', '5UX'], models: ['330i', 'X3', 'X5'], weight: 2 },
  { make: 'Mercedes-Benz', wmi: ['W1K', '4JG'], models: ['C 300', 'GLE 350', 'GLC 300'], weight: 2 },
  { make: 'Lexus', wmi: ['2T2', 'JTH'], models: ['RX 350', 'ES 350', 'NX 300'], weight: 2 },
  { make: 'Volkswagen', wmi: ['1VW', '3VW'], models: ['Jetta', 'Atlas@2018', 'Tiguan'], weight: 2 },
  { make: 'Mazda', wmi: ['JM1', 'JM3'], models: ['Mazda3', 'CX-5', 'CX-30@2020'], weight: 2 },
];

const COLORS: ReadonlyArray<readonly [string, number]> = [
  ['White', 24], ['Black', 20], ['Gray', 16], ['Silver', 13], ['Blue', 9], ['Red', 9],
  ['Pearl White', 4], ['Green', 2], ['Brown', 1], ['Orange', 1], ['Magnetic Gray', 1],
];

/** Letters a VIN may hold (never I, O or Q: they look like 1 and 0). */
const VIN_LETTERS_DIGITS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
/** Model-year code (10th character), repeating every 30 years from 1980 = A. */
const VIN_YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';
/** Texas plates skip I, O and Q for the same reason. */
const PLATE_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

/** Builds a valid 17-character VIN: WMI, descriptor, check digit, model year, plant, serial. */
export function makeVin(rng: Rng, wmi: string, year: number): string {
  let vds = '';
  for (let i = 0; i < 5; i++) vds += rng.pick([...VIN_LETTERS_DIGITS]);
  const yearCode = VIN_YEAR_CODES[(((year - 1980) % 30) + 30) % 30]!;
  const plant = rng.pick([...'ABCDEFGHJKLMNPRSTUVWXYZ']);
  const serial = String(rng.int(0, 999_999)).padStart(6, '0');
  // The check digit's own weight is zero, so any placeholder gives the same sum.
  const draft = `${wmi}${vds}0${yearCode}${plant}${serial}`;
  return `${draft.slice(0, 8)}${vinCheckDigit(draft)}${draft.slice(9)}`;
}

/** Folds a name to what fits in an email address: "Nguyễn" → "nguyen", "Øyvind" → "oyvind". */
export function asciiFold(text: string): string {
  return text
    .replace(/[Øø]/g, 'o')
    .replace(/[Łł]/g, 'l')
    .replace(/ß/g, 'ss')
    .replace(/[Ææ]/g, 'ae')
    .replace(/[Đđ]/g, 'd')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export interface DemoInsurer {
  name: string;
  domain: string;
  adjusters: readonly string[];
  claimNumber: (rng: Rng, year: number) => string;
}

const digits = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.int(0, 9)).join('');
const alnum = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.pick([...'0123456789ABCDEFGHJKLMNPRSTUVWXYZ'])).join('');

/** Claim numbers shaped the way each carrier's look on a work order (invented, not real formats). */
export const INSURERS: readonly DemoInsurer[] = [
  { name: 'State Farm', domain: 'statefarm.example', adjusters: ['Jennifer Walsh', 'Derek Holloway', 'Amanda Soto'], claimNumber: (r) => `${digits(r, 2)}-${alnum(r, 4)}-${alnum(r, 3)}` },
  { name: 'GEICO', domain: 'geico.example', adjusters: ['Travis Nguyen', 'Keisha Barnes'], claimNumber: (r) => `0${digits(r, 9)}0101${digits(r, 2)}` },
  { name: 'Progressive', domain: 'progressive.example', adjusters: ['Ryan Kowalczyk', 'Lisa Marquez'], claimNumber: (r, y) => `${String(y).slice(2)}-${digits(r, 7)}` },
  { name: 'Allstate', domain: 'allstate.example', adjusters: ['Greg Patterson', 'Yolanda Pierce'], claimNumber: (r) => `0${digits(r, 9)}` },
  { name: 'USAA', domain: 'usaa.example', adjusters: ['Dale Hughes', 'Stephanie Ng'], claimNumber: (r) => `${digits(r, 9)}-${r.pick(['001', '002', '003'])}` },
  { name: 'Liberty Mutual', domain: 'libertymutual.example', adjusters: ['Kevin Brennan', 'Marisol Vega'], claimNumber: (r) => `${digits(r, 9)}-${r.pick(['01', '02'])}` },
  { name: 'Farmers', domain: 'farmers.example', adjusters: ['Heather Lindqvist'], claimNumber: (r) => `30${digits(r, 8)}-1` },
];

const INSURER_WEIGHTS: ReadonlyArray<readonly [DemoInsurer | null, number]> = [
  [INSURERS[0]!, 22], [INSURERS[1]!, 15], [INSURERS[2]!, 15], [INSURERS[3]!, 12], [INSURERS[4]!, 9],
  [INSURERS[5]!, 7], [INSURERS[6]!, 5],
  // Customer pay: no insurer, no claim, no deductible.
  [null, 15],
];

export interface DemoPerson {
  firstName: string;
  lastName: string;
  mobile: string | null;
  /** The mobile as the 10 national digits, for tools that need it in a fixed form. */
  mobileDigits: string | null;
  email: string | null;
  preferredChannel: 'sms' | 'email' | 'phone';
}

export interface DemoVehicle {
  vin: string;
  plate: string | null;
  year: number;
  make: string;
  model: string;
  color: string;
}

export interface DemoInsurance {
  insurer: string | null;
  claimNumber: string | null;
  adjusterName: string | null;
  adjusterEmail: string | null;
  adjusterPhone: string | null;
  deductibleCents: number | null;
  estimateTotalCents: number;
  courtesyCar: string | null;
}

/**
 * Makes people, cars and claims. Keeps VINs, plates and full names unique so no two customers
 * look like the same person and no car is on two open repairs by accident.
 */
export class DemoFactory {
  private readonly vins = new Set<string>();
  private readonly plates = new Set<string>();
  private readonly names = new Set<string>();
  private readonly mobilesLeft: string[];

  constructor(
    readonly rng: Rng,
    /** Area codes to draw mobiles from; every one gives 100 fictional 555-01xx numbers. */
    readonly areaCodes: readonly string[] = AREA_CODES,
  ) {
    // Never the shop's own numbers (its phone, and the demo texting number).
    const shops = new Set(['5125550100', '5125550199']);
    this.mobilesLeft = rng.shuffle(
      areaCodes.flatMap((a) => Array.from({ length: 100 }, (_, i) => `${a}55501${String(i).padStart(2, '0')}`)).filter((n) => !shops.has(n)),
    );
  }

  person(name?: { firstName: string; lastName: string }): DemoPerson {
    const rng = this.rng;
    let firstName = name?.firstName ?? '';
    let lastName = name?.lastName ?? '';
    if (!name) {
      for (let attempt = 0; ; attempt++) {
        firstName = rng.pick(FIRST_NAMES);
        lastName = rng.pick(LAST_NAMES);
        if (!this.names.has(`${firstName} ${lastName}`) || attempt > 20) break;
      }
    }
    this.names.add(`${firstName} ${lastName}`);
    // Fictional numbers are scarce (100 per area code); past that, families share a number.
    const national = rng.chance(0.95) ? (this.mobilesLeft.pop() ?? this.randomMobile()) : null;
    const mobile = national ? rng.pick(PHONE_FORMATS)(national.slice(0, 3), national.slice(6)) : null;
    const email = rng.chance(0.85)
      ? `${asciiFold(firstName)}${rng.pick(['.', '', '_'])}${asciiFold(lastName)}${rng.chance(0.4) ? rng.int(1, 99) : ''}@${rng.pick(['example.com', 'example.net', 'example.org'])}`
      : null;
    const preferredChannel = !mobile ? (email ? 'email' : 'phone') : rng.weighted([['sms', 8], ['email', 1], ['phone', 1]] as const);
    return { firstName, lastName, mobile, mobileDigits: national, email, preferredChannel };
  }

  private randomMobile(): string {
    for (;;) {
      const n = `${this.rng.pick(this.areaCodes)}55501${digits(this.rng, 2)}`;
      if (n !== '5125550100' && n !== '5125550199') return n;
    }
  }

  vehicle(): DemoVehicle {
    const rng = this.rng;
    const car = rng.weighted(CARS.map((c) => [c, c.weight] as const));
    const [model, since] = rng.pick(car.models).split('@') as [string, string | undefined];
    const drawn = rng.weighted([
      [rng.int(2021, 2025), 45],
      [rng.int(2016, 2020), 35],
      [rng.int(2008, 2015), 20],
    ]);
    const year = Math.max(drawn, Number(since ?? 0));
    let vin = makeVin(rng, rng.pick(car.wmi), year);
    while (this.vins.has(vin)) vin = makeVin(rng, rng.pick(car.wmi), year);
    this.vins.add(vin);
    return { vin, plate: this.plate(), year, make: car.make, model, color: rng.weighted(COLORS) };
  }

  /** Texas plates (three letters, four digits) as different people type them; a few new cars have none yet. */
  plate(): string | null {
    const rng = this.rng;
    if (rng.chance(0.04)) return null;
    for (;;) {
      const letters = Array.from({ length: 3 }, () => rng.pick([...PLATE_LETTERS])).join('');
      const number = digits(rng, 4);
      if (this.plates.has(letters + number)) continue;
      this.plates.add(letters + number);
      return `${letters}${rng.weighted([[' ', 6], ['-', 2], ['', 2]] as const)}${number}`;
    }
  }

  /** Insurer, claim and money for a repair; `claimYear` is the year the claim was opened. */
  insurance(claimYear: number): DemoInsurance {
    const rng = this.rng;
    const insurer = rng.weighted(INSURER_WEIGHTS);
    // Most repairs land between $1,500 and $8,000; a few structural ones go much higher.
    const dollars = Math.exp(Math.log(650) + rng.next() * (Math.log(19_000) - Math.log(650)));
    const estimateTotalCents = Math.round(dollars * 100) + rng.int(0, 99);
    if (!insurer) {
      return { insurer: null, claimNumber: null, adjusterName: null, adjusterEmail: null, adjusterPhone: null, deductibleCents: null, estimateTotalCents, courtesyCar: null };
    }
    const adjusterName = rng.pick(insurer.adjusters);
    const adjusterLocal = `${asciiFold(adjusterName.split(' ')[0]!)}.${asciiFold(adjusterName.split(' ').at(-1)!)}`;
    // A third-party claim (the other driver's insurer pays) has no deductible.
    const thirdParty = rng.chance(0.25);
    return {
      insurer: insurer.name,
      claimNumber: insurer.claimNumber(rng, claimYear),
      adjusterName,
      adjusterEmail: `${adjusterLocal}@${insurer.domain}`,
      adjusterPhone: `(${rng.pick(['800', '888', '877', '512'])}) 555-01${digits(rng, 2)}`,
      deductibleCents: thirdParty ? 0 : rng.pick([25_000, 50_000, 50_000, 50_000, 100_000, 100_000, 150_000, 200_000]),
      estimateTotalCents,
      courtesyCar: rng.chance(0.35)
        ? rng.pick([
            `Enterprise rental, ${rng.pick(['Nissan Altima', 'Toyota Corolla', 'Chevrolet Malibu', 'Kia K5'])} (res. ${digits(rng, 7)})`,
            `Hertz rental (res. H${digits(rng, 8)}), ${rng.int(7, 14)} days authorized`,
            `Shop loaner #${rng.int(1, 4)}, 2019 Toyota Corolla`,
          ])
        : null,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// What happens to a repair, in the words the shop would write.

type ExceptionTagName = '#partsdelay' | '#awaitingauth' | '#sublet' | '#insurerdelay' | '#customerchoice';

interface ExceptionPlan {
  tag: ExceptionTagName;
  note: string;
  /** Raised once the repair has reached this stage. */
  at: Stage;
  /** Resolved just before the repair moves into this stage; null while the problem is still open. */
  resolveAt: Stage | null;
  /** Why the promised date moved because of it (null: the schedule absorbed it). */
  dateReason: string | null;
  /** How many days it moved the promised date. */
  pushDays: number;
}

const PART_NAMES = [
  'front bumper cover', 'LED headlamp assembly', 'passenger fender', 'radiator support', 'tailgate shell',
  'quarter panel', 'driver door shell', 'hood', 'front radar sensor bracket', 'rear bumper reinforcement',
  'side mirror with blind-spot module', 'grille with camera mount',
];

function exceptionIdea(rng: Rng, tag: ExceptionTagName, insurer: string | null): { note: string; dateReason: string } {
  const who = insurer ?? 'the customer';
  switch (tag) {
    case '#partsdelay': {
      const part = rng.pick(PART_NAMES);
      return {
        note: `${part[0]!.toUpperCase()}${part.slice(1)} backordered at the dealer; OEM ETA ${rng.int(3, 12)} business days. Checked LKQ, no usable recycled part.`,
        dateReason: `The ${part} is backordered from the manufacturer; the dealer now expects it in about ${rng.int(1, 2)} weeks.`,
      };
    }
    case '#awaitingauth':
      return {
        note: `Supplement ${rng.int(1, 2)} ($${rng.int(400, 3800).toLocaleString('en-US')}.${digits(rng, 2)}) sent to ${who} with photos; no authorization yet.`,
        dateReason: `We found hidden damage at teardown and are waiting for ${who} to approve the extra repairs.`,
      };
    case '#sublet':
      return {
        note: rng.pick([
          'ADAS calibration (front camera and radar) booked at the dealer.',
          'Wheel alignment sublet to the tire shop on Ben White.',
          'Windshield replacement by the glass company; camera recalibration after.',
        ]),
        dateReason: 'The safety-system calibration has to be done by the dealer, and their first opening is later than we planned.',
      };
    case '#insurerdelay':
      return {
        note: `${who} asked for a reinspection before we go on; appraiser not scheduled yet. Left voicemail and emailed.`,
        dateReason: `${who} wants to reinspect the car before we continue; we are waiting for their appraiser.`,
      };
    case '#customerchoice':
      return rng.pick([
        {
          note: 'Customer wants OEM wheels instead of the reconditioned ones the insurer approved; paying the difference.',
          dateReason: 'You chose new factory wheels; they arrive a few days after the other parts.',
        },
        {
          note: 'Customer is out of town and asked us to hold the car until they are back.',
          dateReason: 'Holding the car until you are back in town, as you asked.',
        },
        {
          note: 'Customer added a door ding repair, paying out of pocket.',
          dateReason: 'We added the door ding repair you asked for.',
        },
      ]);
  }
}

const NOTES = [
  'Customer prefers texts after 5 pm; works nights.',
  'Prior damage on rear bumper (scuffs) photographed at drop-off and pointed out to the customer.',
  'Hail dents on the roof are not part of this claim; told the customer we can quote them separately.',
  'Customer asked for the old parts back.',
  'Rental extension approved by the adjuster by phone.',
  'Tint strip on the rear window damaged in the accident; added to the estimate.',
  'Spare key kept on the key board, hook 14.',
  'Tri-coat pearl: needs a let-down panel before spraying.',
  'Customer mentioned a check-engine light from before the accident; not ours, noted on intake.',
  'Called the customer with the update; they will pass it on to their spouse.',
];

/** One repair as the shop will live it: who, which car, where it gets to and what goes wrong on the way. */
interface RoPlan {
  customer: DemoPerson | { customerId: string };
  vehicle: DemoVehicle;
  insurance: DemoInsurance;
  path: Stage[];
  assignedStaffId: string | null;
  partsOrdered: boolean;
  waitingOnFrame: boolean;
  qcPassed: boolean;
  promisedAtCheckIn: string | null;
  /** Set once the estimate is written, when no date was promised at check-in. */
  promisedAtEstimate: string | null;
  /** Days the written estimate added to the date promised at check-in (more damage than met the eye). */
  estimatePush?: number;
  exceptions: ExceptionPlan[];
  /** Internal notes and the stage after which each is written. */
  notes: Array<{ body: string; at: Stage }>;
}


/** The day itself, or the Saturday before (`-1`) or Monday after (`1`) when it is a Sunday, when the shop is closed. */
function notSunday(isoDate: string, way: 1 | -1): string {
  return new Date(`${isoDate}T12:00:00Z`).getUTCDay() === 0 ? addDays(isoDate, way) : isoDate;
}

/** The stages a repair walks through to reach `last`; without a supplement it skips the two supplement stages. */
function pathTo(last: Stage, withSupplement: boolean): Stage[] {
  const upTo = STAGES.slice(0, STAGES.indexOf(last) + 1);
  return withSupplement ? upTo : upTo.filter((s) => s !== 'supplement-sent' && s !== 'supplement-approved');
}

/** Open repairs per stage: many cars at estimate, waiting on parts or in repair, few done. Delivered ones are closed. */
const OPEN_STAGE_WEIGHTS: ReadonlyArray<readonly [Stage, number]> = [
  ['pictures', 5],
  ['estimate', 7],
  ['teardown', 6],
  ['supplement-sent', 5],
  ['supplement-approved', 4],
  ['repair-started', 8],
  ['completed', 3],
];

/** Spreads `n` over the stages by weight (largest remainder), so even a small demo covers most stages. */
export function openStageCounts(n: number): Stage[] {
  const total = OPEN_STAGE_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const shares = OPEN_STAGE_WEIGHTS.map(([stage, w], i) => ({ stage, i, exact: (n * w) / total, count: Math.floor((n * w) / total) }));
  let left = n - shares.reduce((s, x) => s + x.count, 0);
  for (const s of [...shares].sort((a, b) => b.exact - b.count - (a.exact - a.count) || a.i - b.i)) {
    if (left-- <= 0) break;
    s.count += 1;
  }
  return shares.flatMap((s) => Array.from({ length: s.count }, () => s.stage));
}

function planExceptions(rng: Rng, insurer: string | null, path: Stage[], busy: number): ExceptionPlan[] {
  const next = (s: Stage): Stage | null => path[path.indexOf(s) + 1] ?? null;
  const plans: ExceptionPlan[] = [];
  const add = (tag: ExceptionTagName, at: Stage, resolveAt: Stage | null) => {
    const idea = exceptionIdea(rng, tag, insurer);
    // Only some delays move the promised date; the schedule absorbs the others.
    const movesDate = rng.chance(0.6);
    plans.push({ tag, at, resolveAt, note: idea.note, dateReason: movesDate ? idea.dateReason : null, pushDays: rng.int(2, 6) });
  };
  if (path.includes('teardown') && rng.chance(0.25 * busy)) {
    add('#partsdelay', 'teardown', path.includes('repair-started') ? 'repair-started' : null);
  }
  if (path.includes('supplement-sent') && insurer && rng.chance(0.4 * busy)) {
    add('#awaitingauth', 'supplement-sent', next('supplement-sent'));
  } else if (path.includes('estimate') && insurer && rng.chance(0.08 * busy)) {
    add('#insurerdelay', 'estimate', next('estimate'));
  }
  if (path.includes('repair-started') && rng.chance(0.18 * busy)) {
    add('#sublet', 'repair-started', next('repair-started'));
  }
  if (rng.chance(0.05 * busy)) {
    const at = rng.pick(path.filter((s) => s !== 'delivered'));
    add('#customerchoice', at, next(at));
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------
// The staff and who does what.

type Seat = 'owner' | 'advisor' | 'estimator' | 'manager' | 'technician';

const STAFF: ReadonlyArray<{ seat: Seat; name: string; role: StaffRole; pin: string }> = [
  { seat: 'owner', name: 'Dana Whitfield', role: 'owner', pin: '2468' },
  { seat: 'advisor', name: 'Tomás Álvarez', role: 'advisor', pin: '1357' },
  { seat: 'estimator', name: 'Priya Raman', role: 'estimator', pin: '5150' },
  { seat: 'manager', name: 'Marcus Reyes', role: 'manager', pin: '7319' },
  { seat: 'technician', name: 'Kevin Đoàn', role: 'technician', pin: '8642' },
];

/** Who usually makes each move, so the activity list reads like a real shop's day. */
const MOVER: Record<Stage, Seat> = {
  pictures: 'advisor',
  estimate: 'estimator',
  teardown: 'technician',
  'supplement-sent': 'estimator',
  'supplement-approved': 'estimator',
  'repair-started': 'manager',
  completed: 'manager',
  delivered: 'advisor',
};

const RAISER: Record<ExceptionTagName, Seat> = {
  '#partsdelay': 'manager',
  '#awaitingauth': 'estimator',
  '#sublet': 'manager',
  '#insurerdelay': 'estimator',
  '#customerchoice': 'advisor',
};

/** Calls the typed API as one of the staff, at the moment the demo's clock says, and stops at the first refusal. */
class ApiDriver {
  readonly seats = new Map<Seat, Session>();
  readonly staff = new Map<Seat, { id: string; name: string }>();
  /** The moment the desk records for what is done now (see Desk.useClock). */
  moment = new Date();

  constructor(
    readonly desk: Desk,
    readonly front: Session,
  ) {}

  async call<M extends ApiMethod>(method: M, args: ArgsOf<M>, seat: Seat | null): Promise<ResultOf<M>> {
    const session = seat ? this.seats.get(seat) : this.front;
    if (!session) throw new Error(`Demo shop: nobody is switched in as ${seat}`);
    const outcome = await this.desk.call(method, args, session);
    if (!outcome.ok) throw new Error(`Demo shop: ${method} failed: ${outcome.error.message}`);
    return outcome.result as ResultOf<M>;
  }
}

interface SubStatusIds {
  partsOrdered: string;
  waitingOnFrame: string;
  qcPassed: string;
}

// ---------------------------------------------------------------------------------------------
// When things happened. A repair's stages are laid out in working minutes (see demo-calendar.ts)
// backwards from its last move; everything done at a stage happens between its move and the next.

/** Working minutes from the move into the previous stage to the move into this one. */
const STAGE_GAP: Record<Stage, readonly [number, number]> = {
  pictures: [0, 0],
  estimate: [45, 420],
  teardown: [240, 2000],
  'supplement-sent': [120, 600],
  'supplement-approved': [240, 1500],
  'repair-started': [120, 1100],
  completed: [900, 3300],
  delivered: [60, 900],
};

interface Timeline {
  /** Working minute of the move into each stage of the path (the first is the check-in). */
  stageAt: number[];
}

function stageGaps(rng: Rng, plan: Pick<RoPlan, 'path' | 'exceptions'>): number[] {
  return plan.path.map((stage, i) => {
    if (i === 0) return 0;
    const [lo, hi] = STAGE_GAP[stage];
    // A problem resolved on the way into this stage held the car up.
    const held = plan.exceptions.filter((e) => e.resolveAt === stage).reduce((sum) => sum + rng.int(300, 1500), 0);
    return rng.int(lo, hi) + held;
  });
}

/** Stage moves ending at `lastW`; with `checkInBy`, the gaps stretch so the car was checked in by then. */
function layOut(gaps: number[], lastW: number, checkInBy: number | null, earliest: number): Timeline {
  const span = gaps.reduce((s, g) => s + g, 0);
  let scale = 1;
  if (checkInBy !== null && span > 0 && lastW - span > checkInBy) scale = (lastW - checkInBy) / span;
  if (lastW - span * scale < earliest && span > 0) scale = Math.max(0.05, (lastW - earliest) / span);
  const stageAt = new Array<number>(gaps.length);
  let w = lastW;
  for (let i = gaps.length - 1; i >= 0; i--) {
    stageAt[i] = Math.round(w);
    // Two moves of one repair are never in the same minute.
    w -= Math.max(i > 0 ? 20 : 0, gaps[i]! * scale);
  }
  if (checkInBy !== null && gaps.length === 1) stageAt[0] = Math.max(earliest, Math.min(stageAt[0]!, checkInBy));
  return { stageAt };
}

/** Moves the demo clock forward through one repair's timeline. */
class Walk {
  private cursor: number;

  constructor(
    private readonly api: ApiDriver,
    private readonly cal: ShopCalendar,
    private readonly rng: Rng,
    readonly timeline: Timeline,
  ) {
    this.cursor = timeline.stageAt[0]!;
  }

  private limit(i: number): number {
    return (this.timeline.stageAt[i + 1] ?? this.cal.nowW) - 1;
  }

  private set(w: number): number {
    this.cursor = w;
    this.api.moment = this.cal.toDate(w);
    return w;
  }

  /** The move into stage `i`. */
  move(i: number): number {
    return this.set(Math.max(this.cursor, this.timeline.stageAt[i]!));
  }

  /** Just before the move into stage `i` (a problem resolved, then the car moves). */
  before(i: number): number {
    const at = this.timeline.stageAt[i]!;
    return this.set(Math.max(this.cursor, Math.min(at, at - this.rng.int(3, 40))));
  }

  /** Something done a little later while the car is in stage `i` (never past the next move, or now). */
  later(i: number, upTo = 90): number {
    const limit = Math.max(this.cursor, this.limit(i));
    const step = Math.min(this.rng.int(2, upTo), Math.max(1, (limit - this.cursor) / 2));
    return this.set(Math.round(this.cursor + Math.max(1, step)));
  }

  /** How far the cursor is from now, in working minutes. */
  sinceNow(): number {
    return this.cal.nowW - this.cursor;
  }
}

// ---------------------------------------------------------------------------------------------
// Conversations, in the words a front desk and its customers use.

function carName(v: DemoVehicle): string {
  return `${v.make} ${v.model}`;
}

function dayName(isoDate: string): string {
  return new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${isoDate}T12:00:00Z`));
}

interface Talk {
  side: CustomerSide;
  channel: 'portal' | 'sms';
}

/** The staff member writes (a portal message through the API, or a text that was delivered), then the customer may answer. */
async function exchange(
  api: ApiDriver,
  walk: Walk,
  rng: Rng,
  talk: Talk,
  i: number,
  shop: string,
  answers: readonly string[],
  answerChance: number,
  followUp?: string,
): Promise<void> {
  walk.later(i, 60);
  const seat: Seat = rng.chance(0.7) ? 'advisor' : 'estimator';
  if (talk.channel === 'portal') await api.call('message-send', { roId: talk.side.roId, body: shop }, seat);
  else await textDelivered(api.desk, talk.side, api.staff.get(seat)!, shop, api.moment);
  if (!rng.chance(answerChance)) return;
  walk.later(i, 240);
  const answer = rng.pick(answers);
  await customerWrote(api.desk, talk.side, talk.channel, answer, api.moment);
  // Read a little later, unless it came in during the last few working hours.
  const readAnyway = rng.chance(0.3);
  if (walk.sinceNow() > 300 || readAnyway) {
    walk.later(i, 120);
    await api.call('message-mark-read', { roId: talk.side.roId }, seat);
    if (followUp && answer.endsWith('?')) {
      walk.later(i, 20);
      if (talk.channel === 'portal') await api.call('message-send', { roId: talk.side.roId, body: followUp }, seat);
      else await textDelivered(api.desk, talk.side, api.staff.get(seat)!, followUp, api.moment);
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** What the walk needs beyond the plan: the customer as the conversation knows them, and whether to talk and photograph. */
interface WalkExtras {
  who: { firstName: string; mobile: string | null; preferredChannel: 'sms' | 'email' | 'phone' };
  timeline: Timeline;
  conversation: boolean;
  photos: readonly PhotoMoment[];
  /** The customer writes once more at the end and nobody has read it yet. */
  unreadAtEnd: string | null;
}

const PHOTO_STAGE: Record<PhotoMoment, Stage> = {
  'check-in': 'pictures',
  damage: 'pictures',
  teardown: 'teardown',
  paint: 'repair-started',
  finished: 'completed',
};

/** Checks the car in and walks it through its plan; returns the RO id and the customer id. */
async function runPlan(api: ApiDriver, cal: ShopCalendar, rng: Rng, plan: RoPlan, sub: SubStatusIds, extras: WalkExtras): Promise<{ roId: string; customerId: string }> {
  const { customer, vehicle, insurance } = plan;
  const walk = new Walk(api, cal, rng, extras.timeline);
  walk.move(0);
  let ro: RepairOrderDetail = await api.call(
    'ro-check-in',
    {
      customer:
        'customerId' in customer
          ? { id: customer.customerId }
          : {
              firstName: customer.firstName,
              lastName: customer.lastName,
              mobile: customer.mobile,
              email: customer.email,
              preferredChannel: customer.preferredChannel,
            },
      vehicle: { vin: vehicle.vin, plate: vehicle.plate, year: vehicle.year, make: vehicle.make, model: vehicle.model, color: vehicle.color },
      insurer: insurance.insurer,
      claimNumber: insurance.claimNumber,
      adjusterName: insurance.adjusterName,
      adjusterEmail: insurance.adjusterEmail,
      adjusterPhone: insurance.adjusterPhone,
      deductibleCents: insurance.deductibleCents,
      estimateTotalCents: insurance.estimateTotalCents,
      promisedDate: plan.promisedAtCheckIn,
      courtesyCar: insurance.courtesyCar,
      assignedStaffId: plan.assignedStaffId,
    },
    'advisor',
  );
  const roId = ro.id;
  let promised = plan.promisedAtCheckIn;
  const talk: Talk | null =
    extras.conversation && (extras.who.preferredChannel !== 'phone' || !extras.who.mobile)
      ? {
          side: { roId, customerId: ro.customer.id, firstName: extras.who.firstName, mobile: normalizePhone(extras.who.mobile ?? '') },
          channel: extras.who.mobile && extras.who.preferredChannel === 'sms' ? 'sms' : 'portal',
        }
      : null;
  const first = extras.who.firstName;
  const car = carName(vehicle);
  const damageAt = rng.chance(0.5) ? rng.next() * 0.3 : 0.7 + rng.next() * 0.3;

  for (const [step, stage] of plan.path.entries()) {
    if (step > 0) {
      for (const e of plan.exceptions) {
        if (e.resolveAt !== stage) continue;
        const open = ro.exceptions.find((x) => x.tag === e.tag && !x.resolvedAt);
        if (!open) continue;
        walk.before(step);
        ro = await api.call('exception-resolve', { id: open.id }, RAISER[e.tag]);
      }
      walk.move(step);
      ro = await api.call('ro-move-stage', { id: roId, stage }, MOVER[stage]);
    }
    for (const moment of extras.photos) {
      if (PHOTO_STAGE[moment] !== stage) continue;
      walk.later(step, 30);
      const bytes = await demoPhoto(rng, { vehicle, roNumber: ro.roNumber, moment, damageAt });
      const file = await importDeskFile(api.desk.dataDir, bytes);
      ro = await api.call(
        'attachment-add',
        {
          roId,
          kind: 'photo',
          blobHash: file.hash,
          fileName: `IMG_${rng.int(1000, 9999)}.jpg`,
          mimeType: file.mimeType,
          sizeBytes: file.sizeBytes,
          published: moment !== 'check-in',
          caption: PHOTO_CAPTIONS[moment],
        },
        moment === 'check-in' || moment === 'damage' ? 'advisor' : 'technician',
      );
    }
    if (stage === 'pictures' && talk && rng.chance(0.7)) {
      await exchange(api, walk, rng, talk, step, `Hi ${first}, this is Lakeside Collision. We have your ${car} and will keep you posted here as the repair moves along.`, ['Thank you!', 'Thanks, appreciate it.', 'Great, thanks. Please call me if you find anything else.'], 0.5);
    }
    if (stage === 'estimate') {
      if (plan.promisedAtEstimate) {
        walk.later(step, 60);
        promised = plan.promisedAtEstimate;
        const reason = insurance.insurer
          ? `Estimate written and sent to ${insurance.insurer}; parts availability confirmed.`
          : 'Estimate approved by the customer; parts availability confirmed.';
        ro = await api.call('ro-change-promised-date', { id: roId, date: promised, reason }, 'estimator');
      }
      if (plan.estimatePush && promised) {
        walk.later(step, 60);
        promised = notSunday(addDays(promised, plan.estimatePush), 1);
        const reason = `The estimate found more damage than we could see at drop-off; the repair needs ${plan.estimatePush === 1 ? 'one more day' : `${plan.estimatePush} more days`}.`;
        ro = await api.call('ro-change-promised-date', { id: roId, date: promised, reason }, 'estimator');
      }
      if (plan.partsOrdered) {
        walk.later(step, 90);
        ro = await api.call('ro-move-stage', { id: roId, stage: 'estimate', subStatusId: sub.partsOrdered }, 'estimator');
      }
      if (talk && rng.chance(0.6)) {
        const sentTo = insurance.insurer ? ` and sent to ${insurance.insurer}` : '';
        const ready = promised ? ` We expect your ${car} to be ready ${dayName(promised)}.` : '';
        await exchange(api, walk, rng, talk, step, `Your estimate is written${sentTo}.${ready}`, ['Sounds good.', 'Ok thanks. Do you need anything from me?', 'Perfect, thank you!'], 0.6, 'Nothing for now, thanks! We will let you know if anything changes.');
      }
    }
    if (stage === 'repair-started' && plan.waitingOnFrame) {
      walk.later(step, 120);
      ro = await api.call('ro-move-stage', { id: roId, stage, subStatusId: sub.waitingOnFrame }, 'technician');
    }
    if (stage === 'repair-started' && talk && rng.chance(0.5)) {
      await exchange(api, walk, rng, talk, step, `Good news: the parts are in and the repair on your ${car} has started.`, ['Awesome!', 'Great news, thank you.'], 0.35);
    }
    if (stage === 'completed' && plan.qcPassed) {
      walk.later(step, 120);
      ro = await api.call('ro-move-stage', { id: roId, stage, subStatusId: sub.qcPassed }, 'manager');
    }
    if (stage === 'completed' && talk && rng.chance(0.85)) {
      await exchange(api, walk, rng, talk, step, `Your ${car} is finished and passed our quality check. You can pick it up weekdays until 5:30 pm or Saturday morning.`, ['Can I come tomorrow at 8?', 'On my way after work!', 'Thank you! See you at 4.'], 0.8, 'Yes, 8 works. See you then!');
    }
    for (const e of plan.exceptions) {
      if (e.at !== stage) continue;
      walk.later(step, 120);
      ro = await api.call('exception-add', { roId, tag: e.tag, note: e.note }, RAISER[e.tag]);
      if (e.dateReason && promised) {
        walk.later(step, 45);
        promised = notSunday(addDays(promised, e.pushDays), 1);
        ro = await api.call('ro-change-promised-date', { id: roId, date: promised, reason: e.dateReason }, RAISER[e.tag]);
        if (talk && rng.chance(0.7)) {
          await exchange(api, walk, rng, talk, step, `An update on your ${car}: ${e.dateReason} The new date is ${dayName(promised)}.`, ['Ok, thanks for letting me know.', 'That is disappointing, but I understand.', 'Can you extend the rental then?'], 0.65, 'I will ask the adjuster today and text you back.');
        }
      }
    }
    for (const [n, note] of plan.notes.entries()) {
      if (note.at !== stage) continue;
      walk.later(step, 60);
      ro = await api.call('note-add', { roId, body: note.body }, n % 2 === 0 ? 'advisor' : 'estimator');
    }
  }
  if (talk && extras.unreadAtEnd) {
    walk.later(plan.path.length - 1, 240);
    await customerWrote(api.desk, talk.side, talk.channel, extras.unreadAtEnd, api.moment);
  }
  return { roId, customerId: ro.customer.id };
}

function planNotes(rng: Rng, path: Stage[], p: number): RoPlan['notes'] {
  if (!rng.chance(p)) return [];
  const bodies = rng.shuffle([...NOTES]).slice(0, rng.chance(0.25) ? 2 : 1);
  return bodies.map((body) => ({ body, at: rng.pick(path.filter((s) => s !== 'delivered')) }));
}

// ---------------------------------------------------------------------------------------------

/**
 * Fills an empty workspace with a body shop: settings, staff, sub-statuses, about 40 open repairs
 * spread over the stages and a few hundred delivered ones. Deterministic for a given seed (the
 * ids and the moments the API stamps are not).
 */
export async function seedDemoShop(desk: Desk, options: DemoShopOptions = {}): Promise<{ openRos: number; closedRos: number }> {
  const openCount = options.openRos ?? 40;
  const closedCount = options.closedRos ?? 300;
  const rng = new Rng(options.seed ?? 20_240_611);
  const api = new ApiDriver(desk, desk.newSession());

  if ((await api.call('ro-board', { includeClosed: true }, null)).length > 0) {
    throw new Error('Demo shop: this workspace already has repair orders; the demo only goes into an empty one.');
  }

  await api.call(
    'workspace-update',
    {
      name: 'Lakeside Collision',
      slug: 'lakeside-collision',
      address: '4810 E Ben White Blvd, Austin, TX 78741',
      phone: '(512) 555-0100',
      email: 'frontdesk@lakeside-collision.example',
      hours: SHOP_HOURS,
      timeZone: SHOP_TIME_ZONE,
      colorPrimary: '#0b5d7a',
      colorAccent: '#f29f05',
      roNumberStart: 24_001,
    },
    null,
  );
  // Calls to the Bayline number go to the shop's own line (the demo phone's "Call the shop").
  await api.call('call-settings-update', { enabled: true, forwardNumber: '(512) 555-0100' }, null);

  // One session per person, switched in once: each PIN check is a deliberate ~50 ms of scrypt.
  for (const s of STAFF) {
    const member = await api.call('staff-create', { name: s.name, role: s.role, pin: s.pin }, s.seat === 'owner' ? null : 'owner');
    const session = api.desk.newSession();
    const outcome = await api.desk.call('staff-switch', { staffId: member.id, pin: s.pin }, session);
    if (!outcome.ok) throw new Error(`Demo shop: staff-switch failed: ${outcome.error.message}`);
    api.seats.set(s.seat, session);
    api.staff.set(s.seat, { id: member.id, name: s.name });
  }
  const staff = await api.call('staff-list', {}, 'owner');
  const assignable = staff.filter((m) => m.role === 'technician' || m.role === 'manager').map((m) => m.id);

  const sub: SubStatusIds = {
    partsOrdered: (await api.call('substatus-save', { name: 'Parts ordered', stage: 'estimate', position: 1 }, 'manager')).id,
    waitingOnFrame: (await api.call('substatus-save', { name: 'Waiting on frame', stage: 'repair-started', position: 1 }, 'manager')).id,
    qcPassed: (await api.call('substatus-save', { name: 'QC passed', stage: 'completed', position: 1 }, 'manager')).id,
  };
  await api.call('substatus-save', { name: 'In paint', stage: 'repair-started', position: 2 }, 'manager');

  const calendar = new ShopCalendar(SHOP_TIME_ZONE, SHOP_HOURS, new Date(), 620);
  const today = calendar.today;
  const factory = new DemoFactory(rng);
  /** Customers seen before, with the car they came in; some come back with another dent. */
  const known: Array<{ customerId: string; vehicle: DemoVehicle; who: WalkExtras['who'] }> = [];
  const whoOf = (c: DemoPerson) => ({ firstName: c.firstName, mobile: c.mobile, preferredChannel: c.preferredChannel });

  // Everything from here on is dated by the demo's clock: the repairs' past, not today.
  const restoreClock = desk.useClock(() => api.moment);
  try {
    // Delivered repairs over ~18 months, checked in oldest first so RO numbers grow with time.
    const closedDaysAgo = Array.from({ length: closedCount }, () => rng.int(4, 540)).sort((a, b) => b - a);
    const closedPlans: Array<{ plan: RoPlan; timeline: Timeline }> = [];
    for (const [n, daysAgo] of closedDaysAgo.entries()) {
      const vehicle = factory.vehicle();
      const insurance = factory.insurance(Number(addDays(today, -daysAgo).slice(0, 4)));
      // Sub-status stops are rarer here than on open repairs: every extra move is an API call,
      // and 300 histories must load in well under a minute.
      const path = pathTo('delivered', rng.chance(0.5));
      const exceptions = planExceptions(rng, insurance.insurer, path, 0.4);
      const plan: RoPlan = {
        customer: factory.person(),
        vehicle,
        insurance,
        path,
        assignedStaffId: assignable[n % assignable.length] ?? null,
        partsOrdered: rng.chance(0.2),
        waitingOnFrame: rng.chance(0.05),
        qcPassed: rng.chance(0.6),
        promisedAtCheckIn: null,
        promisedAtEstimate: null,
        exceptions,
        notes: planNotes(rng, path, 0.12),
      };
      const deliveredW = calendar.openingOf(addDays(today, -daysAgo)) + rng.int(20, 500);
      const timeline = layOut(stageGaps(rng, plan), deliveredW, null, 600);
      // Promised at check-in for about when it was delivered, give or take (dates pushed by problems come on top).
      const checkedIn = calendar.dateOf(timeline.stageAt[0]!);
      plan.estimatePush = rng.chance(0.2) ? rng.int(1, 3) : 0;
      const pushed = exceptions.reduce((sum, e) => sum + (e.dateReason ? e.pushDays : 0), plan.estimatePush);
      const took = daysBetween(checkedIn, calendar.dateOf(deliveredW));
      plan.promisedAtCheckIn = notSunday(addDays(checkedIn, Math.max(2, took - pushed + rng.int(-2, 2))), 1);
      closedPlans.push({ plan, timeline });
    }
    closedPlans.sort((a, b) => a.timeline.stageAt[0]! - b.timeline.stageAt[0]!);
    const recentClosed = new Set(closedPlans.slice(-25).map((c) => c.plan));
    for (const { plan, timeline } of closedPlans) {
      // A customer who was here before brings another car (or the same one) back.
      if (known.length > 5 && rng.chance(0.08)) {
        const back = rng.pick(known);
        plan.customer = { customerId: back.customerId };
        if (rng.chance(0.5)) plan.vehicle = back.vehicle;
      }
      const person = 'customerId' in plan.customer ? known.find((k) => k.customerId === (plan.customer as { customerId: string }).customerId)!.who : whoOf(plan.customer);
      const recent = recentClosed.has(plan);
      const done = await runPlan(api, calendar, rng, plan, sub, {
        who: person,
        timeline,
        conversation: recent || rng.chance(0.25),
        photos: recent ? ['damage', 'finished'] : [],
        unreadAtEnd: null,
      });
      if (!('customerId' in plan.customer)) known.push({ customerId: done.customerId, vehicle: plan.vehicle, who: person });
    }

    // Open repairs: stages by weight, shuffled so RO numbers don't sort by stage.
    const openStages = rng.shuffle(openStageCounts(openCount));
    const canRunLate = (s: Stage) => STAGES.indexOf(s) >= 2 && STAGES.indexOf(s) <= 5;
    const overdue = openStages.map((s) => canRunLate(s) && rng.chance(0.2));
    if (!overdue.some(Boolean)) {
      const i = openStages.findIndex(canRunLate);
      if (i >= 0) overdue[i] = true;
    }
    const openVins = new Set<string>();
    const plans: Array<{ plan: RoPlan; who: WalkExtras['who']; firstPromise: string | null }> = [];
    for (const [i, stage] of openStages.entries()) {
      const featured = FEATURED_CUSTOMERS[i];
      const person = featured ? factory.person(featured) : factory.person();
      let customer: RoPlan['customer'] = person;
      let who = whoOf(person);
      let vehicle = factory.vehicle();
      if (!featured && known.length > 0 && rng.chance(0.1)) {
        const back = rng.pick(known);
        customer = { customerId: back.customerId };
        who = back.who;
        // Same car back again, unless it is already on another open repair.
        if (!openVins.has(back.vehicle.vin) && rng.chance(0.5)) vehicle = back.vehicle;
      }
      openVins.add(vehicle.vin);
      const insurance = factory.insurance(Number(today.slice(0, 4)));
      const k = STAGES.indexOf(stage);
      const path = pathTo(stage, stage === 'supplement-sent' || stage === 'supplement-approved' || (k > 4 && rng.chance(0.6)));
      let exceptions = planExceptions(rng, insurance.insurer, path, 1);
      // An overdue car is one whose date passed and nobody moved it: exactly what the board must surface.
      if (overdue[i]) exceptions = exceptions.map((e) => ({ ...e, dateReason: null }));
      const finalPromised =
        k === 0 && rng.chance(0.6) ? null : overdue[i] ? addDays(today, -rng.int(1, 6)) : addDays(today, rng.int(1, 10) + (6 - k));
      const promiseAtCheckIn = k === 0 || rng.chance(0.6);
      // No date to move before one was promised.
      if (!promiseAtCheckIn) exceptions = exceptions.map((e) => (e.at === 'pictures' ? { ...e, dateReason: null } : e));
      const estimatePush = promiseAtCheckIn && k >= 1 && !overdue[i] && rng.chance(0.35) ? rng.int(1, 4) : 0;
      // Every date change pushed the date out, so the first promise was that much earlier.
      const pushed = exceptions.reduce((sum, e) => sum + (e.dateReason ? e.pushDays : 0), estimatePush);
      // The shop is closed on Sundays, so no date is one (an overdue one moves back, so it stays overdue).
      const firstPromise = finalPromised ? notSunday(addDays(finalPromised, -pushed), overdue[i] ? -1 : 1) : null;
      plans.push({
        plan: {
          customer,
          vehicle,
          insurance,
          path,
          assignedStaffId: k >= 2 ? (assignable[i % assignable.length] ?? null) : null,
          partsOrdered: k >= 1 && rng.chance(0.5),
          waitingOnFrame: stage === 'repair-started' && rng.chance(0.3),
          qcPassed: stage === 'completed' && rng.chance(0.6),
          promisedAtCheckIn: promiseAtCheckIn ? firstPromise : null,
          promisedAtEstimate: promiseAtCheckIn ? null : firstPromise,
          estimatePush,
          exceptions,
          notes: planNotes(rng, path, 0.45),
        },
        who,
        firstPromise,
      });
    }
    // At least one problem still open on the board, so the exception filter has something to show.
    const stillOpen = (p: RoPlan) => p.exceptions.some((e) => e.resolveAt === null);
    if (plans.length > 0 && !plans.some((p) => stillOpen(p.plan))) {
      const target = plans.find((p) => p.plan.path.includes('teardown') && !p.plan.path.includes('repair-started'))?.plan ?? plans[0]!.plan;
      const idea = exceptionIdea(rng, '#partsdelay', target.insurance.insurer);
      target.exceptions.push({ tag: '#partsdelay', note: idea.note, at: target.path.at(-1)!, resolveAt: null, dateReason: null, pushDays: 0 });
    }
    const laidOut = plans.map(({ plan, who, firstPromise }) => {
      // The last move was in the last few working days; the car came in some days before its first promised date.
      // (A car still waiting for its pictures came in today or yesterday.)
      const lastW = calendar.nowW - (plan.path.length === 1 ? rng.int(15, 500) : rng.int(15, 1400));
      const checkInBy = firstPromise ? calendar.openingOf(addDays(firstPromise, -rng.int(4, 9))) + rng.int(0, 240) : null;
      return { plan, who, timeline: layOut(stageGaps(rng, plan), lastW, checkInBy, 600) };
    });
    // Checked in in the order they came.
    laidOut.sort((a, b) => a.timeline.stageAt[0]! - b.timeline.stageAt[0]!);
    const QUESTIONS = ['Hi, any update on my car?', 'Is it still on track for the date you gave me?', 'Can I stop by to get my sunglasses out of the car?', 'Did the insurance approve everything?'];
    let writers = 0;
    for (const [n, { plan, who, timeline }] of laidOut.entries()) {
      const reachable = who.preferredChannel !== 'phone' || !who.mobile;
      if (reachable) writers += 1;
      await runPlan(api, calendar, rng, plan, sub, {
        who,
        timeline,
        conversation: true,
        // Most cars have photos; one in eight is still waiting for the camera.
        photos: n % 8 !== 5 ? ['check-in', 'damage', 'teardown', 'paint', 'finished'] : [],
        // A few customers wrote in the last hours and nobody has read it yet.
        unreadAtEnd: reachable && writers % 5 === 2 ? rng.pick(QUESTIONS) : null,
      });
    }
  } finally {
    restoreClock();
  }

  await seedDemoAfterRepair(desk);
  const board = await api.call('ro-board', { includeClosed: true }, 'owner');
  return { openRos: board.filter((r) => !r.closed).length, closedRos: board.filter((r) => r.closed).length };
}
