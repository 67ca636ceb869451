// The fact guard: every date, time, amount, phone number, RO or claim number, URL, email address
// and stage name in a draft is looked for in the repair's facts (the DraftContext). What is not
// there comes back as a FactFlag: the composer highlights it and Send asks the person first.
// Pure: the same answer at the desk, in the composer and in the evaluation harness. Inbound
// messages are untrusted, so a fact that only a customer's or adjuster's message holds is not a
// fact of the repair (a customer writing "the repair is free" does not make $0 true).
// It reads the reader's locale (DraftContext.locale): a UK shop's "16/12" is the 16th of December,
// and a Spanish draft's "miércoles, 16 de diciembre", "mañana", "a las 5" and "gratis" are facts
// like their English twins. The flags' wording is the shop's (staff read it), in English.
import { shopToday } from '../shop-day.js';
import { STAGE_LABELS } from '../stages.js';
import { type DraftContext, type DraftLocale, draftLocale, type FactFlag } from './context.js';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTH_RE = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const DAY_RE = '(\\d{1,2})(?:st|nd|rd|th)?';
// Spanish months, written out or cut short ("dic.", "sept"); "setiembre" as some countries write it.
const ES_MONTHS: Array<[RegExp, number]> = [
  [/^ene/, 1], [/^feb/, 2], [/^mar/, 3], [/^abr/, 4], [/^may/, 5], [/^jun/, 6], [/^jul/, 7], [/^ago/, 8], [/^se/, 9], [/^oct/, 10], [/^nov/, 11], [/^dic/, 12],
];
const ES_MONTH_RE = '(ene(?:ro)?|feb(?:rero)?|mar(?:zo)?|abr(?:il)?|may(?:o)?|jun(?:io)?|jul(?:io)?|ago(?:sto)?|sept?(?:iembre)?|set(?:iembre)?|oct(?:ubre)?|nov(?:iembre)?|dic(?:iembre)?)\\.?';
const ES_WEEKDAYS = ['domingo', 'lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado'];

function monthIndex(name: string): number {
  const key = name.toLowerCase().replace(/\.$/, '').slice(0, 3);
  return MONTHS.findIndex((m) => m.startsWith(key));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function validDate(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const iso = `${y}-${pad(m)}-${pad(d)}`;
  const back = new Date(`${iso}T12:00:00Z`);
  return back.getUTCMonth() + 1 === m ? iso : null;
}

/** A month and day without a year: the year that puts it nearest to today. */
function nearestYear(m: number, d: number, today: string): string | null {
  const y = Number(today.slice(0, 4));
  const candidates = [y - 1, y, y + 1].map((year) => validDate(year, m, d)).filter((x): x is string => x !== null);
  const dist = (iso: string) => Math.abs(Date.parse(`${iso}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`));
  return candidates.sort((a, b) => dist(a) - dist(b))[0] ?? null;
}

function humanDate(iso: string): string {
  return new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${iso}T12:00:00Z`));
}

function digits(s: string): string {
  return s.replace(/\D/g, '');
}

/** A phone number's last ten digits (a leading US 1 dropped). */
function phoneKey(s: string): string {
  const d = digits(s);
  return d.length === 11 && d.startsWith('1') ? d.slice(1) : d;
}

function squash(s: string): string {
  return s.toLowerCase().replace(/[\s#:-]/g, '');
}

/** The local date (shop's zone) of an ISO instant, or the date itself for YYYY-MM-DD. */
function localDate(value: string | null | undefined, timeZone: string): string | null {
  if (!value) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : shopToday(timeZone, new Date(t));
}

/** The facts a draft may state, gathered from the context. */
export interface KnownFacts {
  today: string;
  dates: Set<string>;
  /** Dates of the repair itself (promised, its history, stages, exceptions): not today's date or the messages'. */
  repairDates: Set<string>;
  times: Set<string>;
  cents: Set<number>;
  phones: Set<string>;
  roNumbers: Set<string>;
  claimNumbers: Set<string>;
  urls: string[];
  emails: Set<string>;
  stages: Set<string>;
}

export function knownFacts(ctx: DraftContext): KnownFacts {
  const tz = ctx.timeZone;
  const today = shopToday(tz, new Date(ctx.now));
  const dates = new Set<string>([today]);
  const repairDates = new Set<string>();
  const add = (v: string | null | undefined, ofRepair = true) => {
    const d = localDate(v, tz);
    if (d) dates.add(d);
    if (d && ofRepair) repairDates.add(d);
  };
  const ro = ctx.ro;
  add(ro.promisedDate);
  add(ro.stageReachedAt);
  for (const h of ro.promisedHistory) {
    add(h.from);
    add(h.to);
    add(h.at);
  }
  for (const e of ro.exceptions) add(e.since);
  for (const s of ro.stageHistory ?? []) add(s.at);
  for (const m of ctx.thread) add(m.at, false);

  // Times: only those the shop itself already wrote in this thread (never a customer's).
  const times = new Set<string>();
  for (const m of ctx.thread) if (m.direction === 'out') for (const t of findTimes(m.body)) times.add(t.value);

  const cents = new Set<number>();
  if (ro.amounts) {
    if (ro.amounts.estimateTotalCents !== null) cents.add(ro.amounts.estimateTotalCents);
    if (ro.amounts.deductibleCents !== null) cents.add(ro.amounts.deductibleCents);
  }
  const phones = new Set<string>();
  for (const p of [ctx.shop.phone, ctx.to.mobile, ro.adjusterPhone]) if (p && digits(p).length >= 7) phones.add(phoneKey(p));
  const signature = ctx.shop.signature ?? '';
  for (const m of signature.matchAll(PHONE)) phones.add(phoneKey(m[0]));

  const urls = [ro.portalUrl, ...[...signature.matchAll(URL_RE)].map((m) => m[0])].filter((u): u is string => !!u).map(normUrl);
  const emails = new Set<string>([ctx.to.email, ro.adjusterEmail, ctx.shop.email, ...[...signature.matchAll(EMAIL_RE)].map((m) => m[0])].filter((e): e is string => !!e).map((e) => e.toLowerCase()));
  const stages = new Set<string>([ro.stage, ...(ro.stageHistory ?? []).map((s) => s.stage)].map((s) => s.toLowerCase()));
  return {
    today,
    dates,
    repairDates,
    times,
    cents,
    phones,
    roNumbers: new Set([squash(ro.roNumber)]),
    claimNumbers: new Set(ro.claimNumber ? [squash(ro.claimNumber)] : []),
    urls,
    emails,
    stages,
  };
}

function normUrl(u: string): string {
  return u.toLowerCase().replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/[/.]+$/, '');
}

// ---- finders ---------------------------------------------------------------------------------

interface Found {
  start: number;
  end: number;
  text: string;
}

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"')\]]+[^\s<>"')\].,;:!?]/gi;
const EMAIL_RE = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;
const PHONE = /(?<![\w/$.])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w/])/g;
const AMOUNT = /(?:[$£€]\s?\d{1,3}(?:,\d{3})+(?:\.\d{2})?|[$£€]\s?\d+(?:\.\d{1,2})?)(?:\s?(k|thousand|mil)\b)?|\b\d{1,3}(?:,\d{3})*(?:\.\d{2})?\s?(?:dollars|usd|gbp|d[oó]lares)\b/gi;
const FREE_ES = /(?<![a-zñáéíóú])(?:gratis|gratuit[oa]s?|sin (?:ning[uú]n )?(?:costo|cargo)|no le (?:va a )?costar[aá]? nada|no le cuesta nada)(?![a-zñáéíóú])/gi;
const FREE = /\b(?:free of charge|for free|no charge|no cost|at no cost|won'?t cost (?:you )?(?:anything|a (?:thing|cent|penny))|costs? nothing|(?<!feel )(?<!be )free(?! to\b))\b/gi;
const RO_RE = /\b(?:RO|R\.O\.|repair order|orden de reparaci[oó]n)\s*(?:#|no\.?|number)?\s*[-:]?\s*(\d{2,9})\b/gi;
const CLAIM_RE = /\b(?:claim|reclamo|siniestro)\s*(?:#|no\.?|number)?\s*[-:]?\s*([A-Z0-9][A-Z0-9-]{3,30}[A-Z0-9])\b/gi;

function findTimes(body: string): Array<Found & { value: string }> {
  const out: Array<Found & { value: string }> = [];
  const re = /\b(\d{1,2})(?::(\d{2}))?\s?(a\.\s?m\.?|p\.\s?m\.?|am\.?|pm\.?)(?![a-z])|\b([01]?\d|2[0-3]):([0-5]\d)\b|\b(noon|midday|midnight)\b/gi;
  for (const m of body.matchAll(re)) {
    let h: number;
    let min: number;
    if (m[3]) {
      h = Number(m[1]) % 12;
      min = Number(m[2] ?? 0);
      if (Number(m[1]) > 12 || min > 59) continue;
      if (m[3].toLowerCase().startsWith('p')) h += 12;
    } else if (m[4]) {
      h = Number(m[4]);
      min = Number(m[5]);
    } else {
      h = m[6]!.toLowerCase() === 'midnight' ? 0 : 12;
      min = 0;
    }
    // "4 pm." ends a sentence; "4 p.m." keeps its dots.
    const text = /[^.]m\.$/i.test(m[0]) ? m[0].slice(0, -1) : m[0];
    out.push({ start: m.index!, end: m.index! + text.length, text, value: `${pad(h)}:${pad(min)}` });
  }
  // "at 5", "by 5", "around 4:30" without am/pm: a shop's working hours decide (1–6 is the
  // afternoon, 7–11 the morning). Not "by 2 days", "at 5%", "at 5 miles", nor a time found above.
  const bare = /\b(?:at|by|around|before|after|until|till|til|a las|antes de las|despu[eé]s de las|hasta las|sobre las|para las)\s+(\d{1,2})(?::([0-5]\d))?(?![\d:/.,]\d|\s*(?:%|percent|a\.?m\b|p\.?m\b|o'clock\b)|\s*-|\s+(?:days?|weeks?|months?|years?|hours?|hrs?|minutes?|mins?|miles?|mi\b|percent|parts?|cars?|pieces?|people|of\b|x\b|d[ií]as|semanas|meses|horas|minutos))\b/gi;
  for (const m of body.matchAll(bare)) {
    const n = Number(m[1]);
    if (n < 1 || n > 23) continue;
    const h = n >= 13 ? n : n === 12 ? 12 : n <= 6 ? n + 12 : n;
    const at = m.index! + m[0].search(/\d/);
    const end = m.index! + m[0].length;
    if (out.some((o) => at < o.end && end > o.start)) continue;
    out.push({ start: at, end, text: body.slice(at, end), value: `${pad(h)}:${pad(Number(m[2] ?? 0))}` });
  }
  return out.sort((a, b) => a.start - b.start);
}

const FRACTION_UNITS = /^[\s-]*(?:an?\s+)?(?:hours?|hrs?|days?|weeks?|months?|years?|miles?|mi\b|inch(?:es)?|in\b|ft\b|feet|foot|cm\b|mm\b|tank|price|cup|gallons?|lbs?\b|pounds?|ton|way|off\b|of\b|done\b|full\b)/i;

/** "1/2", "1 1/2 hours", "3/4 of a tank": a fraction, not a date. */
function isFraction(body: string, m: RegExpMatchArray): boolean {
  if (m[3]) return false; // a year makes it a date
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (!(a < b && b <= 16)) return false;
  if (a === 1 && b === 2) return true;
  const before = body.slice(0, m.index!);
  const after = body.slice(m.index! + m[0].length);
  return /\d\s$/.test(before) || /\b(?:about|almost|nearly|over|under|a)\s$/i.test(before) || FRACTION_UNITS.test(after);
}

interface FoundDate extends Found {
  /** The dates it may mean (a weekday may be this week's coming one or the last one). */
  candidates: string[];
  /** "Monday, Dec 16" when the 16th is a Wednesday. */
  wrongWeekday?: boolean;
}

function esMonth(name: string): number {
  const key = name.toLowerCase();
  return ES_MONTHS.find(([re]) => re.test(key))?.[1] ?? 0;
}

function findDates(body: string, today: string, locale: DraftLocale = { country: 'US', language: 'en' }): FoundDate[] {
  const spanish = locale.language === 'es';
  const out: FoundDate[] = [];
  const push = (m: RegExpMatchArray, candidates: Array<string | null>) => {
    const c = candidates.filter((x): x is string => x !== null);
    if (c.length === 0) return;
    const start = m.index!;
    const text = m[0].replace(/\.$/, '');
    const end = start + text.length;
    if (out.some((o) => start < o.end && end > o.start)) return;
    out.push({ start, end, text, candidates: c });
  };
  // 2026-12-14
  for (const m of body.matchAll(/\b(\d{4})-(\d{2})-(\d{2})\b/g)) push(m, [validDate(Number(m[1]), Number(m[2]), Number(m[3]))]);
  // December 14th, 2026 / Dec. 14
  for (const m of body.matchAll(new RegExp(`\\b${MONTH_RE}\\s+${DAY_RE}\\b(?:,?\\s+(\\d{4}))?`, 'gi'))) {
    const mo = monthIndex(m[1]!) + 1;
    const d = Number(m[2]);
    push(m, [m[3] ? validDate(Number(m[3]), mo, d) : nearestYear(mo, d, today)]);
  }
  // 14 December / 14th of Dec 2026
  for (const m of body.matchAll(new RegExp(`\\b${DAY_RE}\\s+(?:of\\s+)?${MONTH_RE}(?![a-z])(?:,?\\s+(\\d{4}))?`, 'gi'))) {
    const mo = monthIndex(m[2]!) + 1;
    const d = Number(m[1]);
    push(m, [m[3] ? validDate(Number(m[3]), mo, d) : nearestYear(mo, d, today)]);
  }
  if (spanish) {
    // 16 de diciembre / 16 de dic. de 2026 / 16 dic
    for (const m of body.matchAll(new RegExp(`\\b(\\d{1,2})\\s+(?:de\\s+)?${ES_MONTH_RE}(?![a-zñáéíóú])(?:,?\\s+(?:de(?:l)?\\s+)?(\\d{4}))?`, 'gi'))) {
      const mo = esMonth(m[2]!);
      const d = Number(m[1]);
      if (mo) push(m, [m[3] ? validDate(Number(m[3]), mo, d) : nearestYear(mo, d, today)]);
    }
  }
  // 12/14, 12/14/2026, 12/14/26: month first in the US; day first in the UK (14/12); a Spanish
  // reader in the US may write either, so a draft to one may mean both.
  for (const m of body.matchAll(/(?<![\d/])(\d{1,2})\/(\d{1,2})(?:\/(\d{2}|\d{4}))?(?![\d/])/g)) {
    if (isFraction(body, m)) continue;
    const a = Number(m[1]);
    const b = Number(m[2]);
    const y = m[3] ? (m[3].length === 2 ? 2000 + Number(m[3]) : Number(m[3])) : null;
    const read = (mo: number, d: number) => (y ? validDate(y, mo, d) : nearestYear(mo, d, today));
    const orders: Array<[number, number]> = locale.country === 'GB' ? [[b, a]] : spanish ? [[a, b], [b, a]] : [[a, b]];
    push(m, orders.map(([mo, d]) => read(mo, d)));
  }
  // today, tomorrow, the day after tomorrow, yesterday
  for (const m of body.matchAll(/\b(?:the day after tomorrow|tomorrow|tonight|today|yesterday)\b/gi)) {
    const w = m[0].toLowerCase();
    push(m, [w === 'yesterday' ? addDays(today, -1) : w.startsWith('the day after') ? addDays(today, 2) : w === 'tomorrow' ? addDays(today, 1) : today]);
  }
  if (spanish) {
    // hoy, esta noche, mañana (the day, not "la mañana", the morning), pasado mañana, ayer
    for (const m of body.matchAll(/(?<![a-zñáéíóú])(?:pasado\s+mañana|(?<!(?:la|esta|una|cada|de)\s)mañana|esta\s+noche|hoy|ayer)(?![a-zñáéíóú])/gi)) {
      const w = m[0].toLowerCase();
      push(m, [w === 'ayer' ? addDays(today, -1) : w.startsWith('pasado') ? addDays(today, 2) : w === 'mañana' ? addDays(today, 1) : today]);
    }
  }
  // (next|this) Monday, Monday — unless a date right after it says which day it is.
  const dayOfWeek = new Date(`${today}T12:00:00Z`).getUTCDay();
  /** A weekday found at `m` (target 0 = Sunday): "Monday, Dec 14" is one fact with the date after it. */
  const weekday = (m: RegExpMatchArray, target: number, mod: 'next' | 'last' | null) => {
    const after = body.slice(m.index! + m[0].length, m.index! + m[0].length + 8);
    const named = /^,?\s*(?:the\s+|el\s+)?(?:\d|[a-z]{3})/i.test(after) ? out.find((o) => o.start >= m.index! + m[0].length && o.start <= m.index! + m[0].length + 7) : undefined;
    if (named) {
      // The span takes the weekday, and a weekday that is not the date's is wrong.
      named.start = m.index!;
      named.text = body.slice(named.start, named.end);
      const same = named.candidates.filter((c) => new Date(`${c}T12:00:00Z`).getUTCDay() === target);
      if (same.length === 0) named.wrongWeekday = true;
      return;
    }
    const ahead = (target - dayOfWeek + 7) % 7;
    const next = addDays(today, ahead);
    const prev = addDays(today, ahead === 0 ? -7 : ahead - 7);
    push(m, mod === 'last' ? [prev] : mod === 'next' ? [next, addDays(next, 7)] : [next, prev]);
  };
  if (spanish) {
    // (el) (próximo) lunes (que viene | pasado)
    const names = 'domingo|lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado';
    for (const m of body.matchAll(new RegExp(`(?<![a-zñáéíóú])(?:(pr[oó]ximo|este)\\s+)?(${names})(?:\\s+(que viene|pasado))?(?![a-zñáéíóú])`, 'gi'))) {
      const target = ES_WEEKDAYS.findIndex((d) => d.normalize('NFD').replace(/\p{M}/gu, '') === m[2]!.toLowerCase().normalize('NFD').replace(/\p{M}/gu, ''));
      const mod = m[3]?.toLowerCase() === 'pasado' ? 'last' : m[1]?.toLowerCase().startsWith('pr') || m[3] ? 'next' : null;
      weekday(m, target, mod);
    }
  }
  for (const m of body.matchAll(/\b(?:(next|this|last)\s+)?(sun|mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?)(?:day)?\b/gi)) {
    const word = m[2]!.toLowerCase();
    if (!/day$/i.test(m[0]) && m[0].length < 3) continue;
    // Bare abbreviations ("sat", "wed") are too often other words: only full names or "Mon." style with a capital.
    if (!/day\b/i.test(m[0]) && !/^[A-Z]/.test(m[2]!)) continue;
    const target = WEEKDAYS.findIndex((d) => d.startsWith(word.slice(0, 3)));
    const mod = m[1]?.toLowerCase();
    weekday(m, target, mod === 'last' ? 'last' : mod === 'next' ? 'next' : null);
  }
  return out;
}

function toCents(text: string, unit: string | undefined): number {
  const n = Number(text.replace(/[^\d.]/g, ''));
  return Math.round(n * 100 * (unit ? 1000 : 1));
}

function money(cents: number, country: DraftLocale['country'] = 'US'): string {
  return `${country === 'GB' ? '£' : '$'}${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: cents % 100 ? 2 : 0, maximumFractionDigits: 2 })}`;
}

/** Every fact in `body` that the repair's context does not hold, in the order they stand. */
export function checkFacts(body: string, ctx: DraftContext): FactFlag[] {
  const known = knownFacts(ctx);
  const locale = draftLocale(ctx);
  const flags: FactFlag[] = [];
  const taken: Array<[number, number]> = [];
  const free = (s: number, e: number) => !taken.some(([a, b]) => s < b && e > a);
  const flag = (kind: FactFlag['kind'], f: Found, why: string) => flags.push({ kind, text: f.text, start: f.start, end: f.end, why });
  const found = (m: RegExpMatchArray): Found => ({ start: m.index!, end: m.index! + m[0].length, text: m[0] });

  // URLs and email addresses first: their digits are not phone numbers or dates.
  for (const m of body.matchAll(URL_RE)) {
    const f = found(m);
    taken.push([f.start, f.end]);
    const u = normUrl(m[0]);
    if (!known.urls.some((k) => u === k || u.startsWith(`${k}`))) flag('url', f, `The repair's facts have no link ${m[0]}.`);
  }
  for (const m of body.matchAll(EMAIL_RE)) {
    const f = found(m);
    if (!free(f.start, f.end)) continue;
    taken.push([f.start, f.end]);
    if (!known.emails.has(m[0].toLowerCase())) flag('email', f, `The repair's facts have no email address ${m[0]}.`);
  }
  for (const m of body.matchAll(RO_RE)) {
    const f = found(m);
    if (!free(f.start, f.end)) continue;
    taken.push([f.start, f.end]);
    if (!known.roNumbers.has(squash(m[1]!))) flag('ro-number', f, `This repair is RO ${[...known.roNumbers][0]}, not ${m[1]}.`);
  }
  for (const m of body.matchAll(CLAIM_RE)) {
    const f = found(m);
    if (!free(f.start, f.end) || !/\d/.test(m[1]!)) continue;
    taken.push([f.start, f.end]);
    if (!known.claimNumbers.has(squash(m[1]!))) {
      flag('claim-number', f, known.claimNumbers.size ? `The claim number on the repair is not ${m[1]}.` : `The repair has no claim number ${m[1]}.`);
    }
  }
  for (const m of body.matchAll(PHONE)) {
    const f = found(m);
    if (!free(f.start, f.end)) continue;
    taken.push([f.start, f.end]);
    if (!known.phones.has(phoneKey(m[0]))) flag('phone', f, `The repair's facts have no phone number ${m[0].trim()}.`);
  }
  for (const m of body.matchAll(AMOUNT)) {
    const f = found(m);
    if (!free(f.start, f.end)) continue;
    taken.push([f.start, f.end]);
    const c = toCents(m[0].replace(/\s?(k|thousand|mil)$/i, ''), m[1]);
    if (!known.cents.has(c)) {
      flag(
        'amount',
        f,
        ctx.ro.amounts ? `${money(c, locale.country)} is neither the estimate total nor the deductible on the repair.` : `The shop does not share amounts in drafts, and the repair's facts have no ${money(c, locale.country)}.`,
      );
    }
  }
  for (const m of [...body.matchAll(FREE), ...(locale.language === 'es' ? body.matchAll(FREE_ES) : [])]) {
    const f = found(m);
    if (!free(f.start, f.end)) continue;
    taken.push([f.start, f.end]);
    flag('amount', f, `The repair's facts say nothing about it being "${m[0]}".`);
  }
  for (const d of findDates(body, known.today, locale)) {
    if (!free(d.start, d.end)) continue;
    taken.push([d.start, d.end]);
    if (/^(?:today|tonight|hoy|esta\s+noche)$/i.test(d.text)) {
      // "today" is fine for what the shop itself will do ("I'll check and get back to you today",
      // "le respondo hoy"), or when the repair holds today's date; "ready today" ("listo hoy") is
      // a claim like any other date.
      const sentence = body.slice(0, d.start).split(/[.!?¡¿\n]/).pop() ?? '';
      const english = /\b(?:I|we)\s*(?:'ll|will|can|am going to|are going to|plan to)\b/i.test(sentence) && !/\b(?:ready|done|finish|complet|pick\s?up|deliver)/i.test(sentence);
      const spanish =
        /(?<![a-zñáéíóú])(?:voy a|vamos a|le (?:respondo|escribo|aviso|llamo|confirmo|env[ií]o|mando|respondemos|escribimos|avisamos|llamamos|confirmamos|enviamos|mandamos))(?![a-zñáéíóú])/i.test(sentence) &&
        !/(?<![a-zñáéíóú])(?:list[oa]s?|termina|terminad|recog|entreg)/i.test(sentence);
      const promise = english || (locale.language === 'es' && spanish);
      if (!promise && !known.repairDates.has(known.today)) flag('date', d, `The repair's facts hold nothing for ${d.text.toLowerCase()} (${humanDate(known.today)}).`);
    } else if (d.wrongWeekday) {
      flag('date', d, `${humanDate(d.candidates[0]!)} is not a ${d.text.split(/[\s,]/)[0]}: check the day.`);
    } else if (!d.candidates.some((c) => known.dates.has(c))) {
      // "tomorrow" or "Monday" says which day it means; "Dec 14" already does.
      flag('date', d, `The repair's facts have no date ${humanDate(d.candidates[0]!)}${/\d/.test(d.text) ? '' : ` ("${d.text}")`}.`);
    }
  }
  for (const t of findTimes(body)) {
    if (!free(t.start, t.end)) continue;
    taken.push([t.start, t.end]);
    if (!known.times.has(t.value)) flag('time', t, `The repair's facts have no time ${t.text}: the shop has not promised one.`);
  }
  // Stage names, as the shop's board names them (capitalised, as a name and not a verb: "Completed").
  for (const label of Object.values(STAGE_LABELS)) {
    const re = new RegExp(`\\b${label.replace(/\s+/g, '\\s+')}\\b`, 'g');
    for (const m of body.matchAll(re)) {
      const f = found(m);
      if (!free(f.start, f.end)) continue;
      if (m.index! === 0 || /[.!?]\s*$/.test(body.slice(0, m.index!))) continue; // a sentence's first word is capitalised anyway
      if (!known.stages.has(label.toLowerCase())) flag('stage', f, `The repair is at "${ctx.ro.stage}", not "${label}".`);
    }
  }
  return flags.sort((a, b) => a.start - b.start);
}
