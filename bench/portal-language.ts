// The portal in English beside the portal in Spanish, measured in the same run: the same relay,
// the same repair's shape, one customer reading English and one Spanish. Two figures:
//  - HTTP: GET /t/<token> (gzip, keep-alive) from autocannon in this process, 20 connections, in
//    BENCH_LANG_PAIRS pairs (default 3) of English and Spanish rounds (BENCH_LANG_SECONDS each,
//    default 3), the order turned every pair so a machine warming or cooling favours neither; the
//    ratio is the median of the pairs' Spanish/English. The noise is how far the English rounds
//    alone stray from each other (max/min − 1): a ratio within it is no change a bench can see.
//    Pages are cached per token and language, so this is what customers see.
//  - Render: drawing each page from its view (renderStatusPage with the customer's words), the
//    work a page does after every change of its workspace; mean µs per page over 2,000 pages.
// A ratio near 1.00 means the language costs nothing a customer would notice.
import { createRequire } from 'node:module';
import { call, eventually, startRelayFixture } from '../relay/testing/sync-fixture.js';
import { loadPortalView } from '../relay/portal/portal-view.js';
import { renderStatusPage } from '../relay/portal/render.js';
import { customerWords } from '../src-shared/i18n/index.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';

export interface PortalLanguageBenchResult {
  englishRps: number[];
  spanishRps: number[];
  /** Median over the pairs of Spanish/English. */
  ratio: number;
  /** The English rounds' own spread, max/min − 1. */
  noise: number;
  renderEnglishUs: number;
  renderSpanishUs: number;
  renderRatio: number;
}

type Autocannon = (o: Record<string, unknown>) => Promise<{ requests: { average: number }; non2xx: number; errors: number }>;

export async function runPortalLanguageBench(): Promise<PortalLanguageBenchResult> {
  const seconds = Number(process.env.BENCH_LANG_SECONDS ?? 3);
  const pairs = Math.max(2, Number(process.env.BENCH_LANG_PAIRS ?? 3));
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const f = await startRelayFixture('sqlite', { portal: { requestsPerMinute: 1_000_000_000 } });
  try {
    const { desk } = await f.pairNewDesk('Front desk');
    await call(desk, 'workspace-update', { name: 'Lakeside Collision & Paint', phone: '(512) 555-0100', address: '1200 Lakeshore Blvd, Austin, TX' });
    const check = (firstName: string, language: 'en' | 'es', plate: string) =>
      call<RepairOrderDetail>(desk, 'ro-check-in', {
        customer: { firstName, lastName: 'Reyes', mobile: '(512) 555-0147', language },
        vehicle: { plate, year: 2019, make: 'Honda', model: 'Accord', color: 'Blue' },
        promisedDate: '2037-12-04',
      });
    const en = await check('Dana', 'en', 'KLM 456');
    const es = await check('Marisol', 'es', 'KLM 457');
    for (const ro of [en, es]) {
      await call(desk, 'ro-move-stage', { id: ro.id, stage: 'repair-started' });
      await call(desk, 'ro-change-promised-date', { id: ro.id, date: '2037-12-09', reason: 'Parts on back order' });
    }
    await eventually('both links', async () => (await fetch(en.portal.url!)).status === 200 && (await fetch(es.portal.url!)).status === 200, 30_000);
    const hello = await (await fetch(es.portal.url!)).text();
    if (!hello.includes('En este momento')) throw new Error('The Spanish page is not in Spanish: the bench would measure the wrong thing.');

    const run = async (url: string) => {
      const r = await autocannon({ url, connections: 20, duration: seconds, headers: { 'accept-encoding': 'gzip' } });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
      return r.requests.average;
    };
    await run(en.portal.url!); // warm-up
    const englishRps: number[] = [];
    const spanishRps: number[] = [];
    for (let i = 0; i < pairs; i += 1) {
      if (i % 2 === 0) {
        englishRps.push(await run(en.portal.url!));
        spanishRps.push(await run(es.portal.url!));
      } else {
        spanishRps.push(await run(es.portal.url!));
        englishRps.push(await run(en.portal.url!));
      }
    }
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };

    const store = await f.storage.workspaceStore(f.workspace.id);
    const timeRender = async (roId: string, language: string) => {
      const view = (await loadPortalView(store.db, roId))!;
      const words = customerWords(view.country, language);
      for (let i = 0; i < 200; i += 1) renderStatusPage(view, { token: 'x', version: 'v', words });
      const start = process.hrtime.bigint();
      for (let i = 0; i < 2000; i += 1) renderStatusPage(view, { token: 'x', version: 'v', words });
      return Number(process.hrtime.bigint() - start) / 1000 / 2000;
    };
    const renderEnglishUs = await timeRender(en.id, 'en');
    const renderSpanishUs = await timeRender(es.id, 'es');
    await desk.close();
    return {
      englishRps,
      spanishRps,
      ratio: median(spanishRps.map((x, i) => x / englishRps[i]!)),
      noise: Math.max(...englishRps) / Math.min(...englishRps) - 1,
      renderEnglishUs,
      renderSpanishUs,
      renderRatio: renderSpanishUs / renderEnglishUs,
    };
  } finally {
    await f.cleanup();
  }
}

export function portalLanguageSummaryLines(r: PortalLanguageBenchResult): string[] {
  const rps = (xs: number[]) => xs.map((x) => Math.round(x).toLocaleString('en-US')).join(', ');
  return [
    `portal language: English ${rps(r.englishRps)} req/s, Spanish ${rps(r.spanishRps)} req/s → Spanish/English ${r.ratio.toFixed(2)} (median of ${r.englishRps.length} pairs)`,
    `portal language: English rounds alone vary by ${(r.noise * 100).toFixed(0)}% → ${Math.abs(r.ratio - 1) <= r.noise ? 'the language makes no change beyond noise' : `a change of ${((r.ratio - 1) * 100).toFixed(0)}%, beyond the ${(r.noise * 100).toFixed(0)}% noise`}`,
    `portal language: page render English ${r.renderEnglishUs.toFixed(0)} µs, Spanish ${r.renderSpanishUs.toFixed(0)} µs → ${r.renderRatio.toFixed(2)}`,
  ];
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  void runPortalLanguageBench().then((r) => {
    for (const line of portalLanguageSummaryLines(r)) console.log(line);
  });
}
