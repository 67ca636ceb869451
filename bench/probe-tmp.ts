import { runReportsBench, reportsSummaryLines } from './reports.js';
const t0 = performance.now();
process.env.BENCH_REPORT_ROUNDS = '1';
const r = await runReportsBench(Number(process.env.N ?? 5000));
for (const l of reportsSummaryLines(r)) console.log(l);
console.log('total', ((performance.now() - t0) / 1000).toFixed(1), 's');
