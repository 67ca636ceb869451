// The desk's command line (`npm run desk -- <command>`): serve the browser host, load the demo
// shop, back up, restore, check the audit trail, pair with a relay, and print documents as PDF.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { describeProblem, verifyAudit } from './audit/audit-trail.js';
import { createBackup, DEFAULT_KEEP_BACKUPS, listBackups, restoreBackup } from './db/backups.js';
import { renewNodeId } from './db/workspace-db.js';
import { DEFAULT_WORKSPACE, Desk, deskPaths, readDeskConfig } from './desk.js';
import { acquireDeskLock } from './desk-lock.js';
import { API_USAGE, callRunning } from './api/api-command.js';
import type { RepairOrderSummary } from '../src-shared/domain.js';
import { KIND_LABELS, PAPERS, PRINT_KINDS, type PrintKind, type RenderedPrint } from '../src-shared/printing.js';
import { exitWhenFlushed } from '../src-shared/exit-flushed.js';

function isPrintKind(value: unknown): value is PrintKind {
  return typeof value === 'string' && (PRINT_KINDS as readonly string[]).includes(value);
}

const USAGE = `Bayline desk

  npm run desk -- serve --data DIR [--port N]     run the desk in your browser (http://127.0.0.1:N)
  npm run desk -- demo --data DIR [--open N] [--closed N]
                                                  fill a new data folder with a realistic demo shop
  npm run desk -- backup --data DIR [--list]      make an online backup now (or list the kept ones)
  npm run desk -- restore --data DIR [--from NAME|FILE]
                                                  put a backup back (the newest when --from is left out);
                                                  the desk must be closed
  npm run desk -- verify-audit --data DIR         check that no audit event was altered or removed
  npm run desk -- pair --data DIR --relay URL --code CODE [--name NAME]
                                                  connect this desk to the shop's relay with a pairing code
  npm run desk -- print work-order|tag|receipt --data DIR --ro RO --out FILE.pdf [--paper PAPER]
                                                  write a printed document of repair order RO as a PDF
                                                  (paper: letter, a4, half-letter, receipt-80mm; default:
                                                  this PC's choice for that document)
${API_USAGE}
`;

class UsageError extends Error {}

function requireData(values: { data?: string }): string {
  if (!values.data) throw new UsageError('Say which data folder with --data DIR.');
  return path.resolve(values.data);
}

/** The workspace file of a data folder that must already exist. */
function existingWorkspace(dataDir: string) {
  const config = readDeskConfig(dataDir);
  if (!config) throw new UsageError(`${dataDir} holds no Bayline workspace (no desk.json).`);
  return deskPaths(dataDir, config.workspace);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'api') return (await import('./api/api-command.js')).runApiCommand(rest);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: command === 'print',
    options: {
      data: { type: 'string' },
      port: { type: 'string' },
      open: { type: 'string' },
      closed: { type: 'string' },
      from: { type: 'string' },
      list: { type: 'boolean' },
      keep: { type: 'string' },
      name: { type: 'string' },
      slug: { type: 'string' },
      relay: { type: 'string' },
      code: { type: 'string' },
      ro: { type: 'string' },
      out: { type: 'string' },
      paper: { type: 'string' },
    },
    strict: true,
  });

  switch (command) {
    case 'serve': {
      const dataDir = requireData(values);
      const desk = await Desk.open({
        dataDir,
        scheduleBackups: true,
        workspace: { name: values.name ?? DEFAULT_WORKSPACE.name, slug: values.slug ?? DEFAULT_WORKSPACE.slug },
      });
      const { DEFAULT_RENDERER_DIR, startBrowserHost } = await import('./host/browser-host.js');
      // The screens are built here when missing (or older than their sources in a checkout).
      const rendererDir = process.env.BAYLINE_RENDERER_DIR ?? DEFAULT_RENDERER_DIR;
      try {
        await (await import('./host/renderer-build.js')).buildRendererIfStale(rendererDir);
      } catch (err) {
        await desk.close();
        throw err;
      }
      const host = await startBrowserHost({ desk, port: Number(values.port ?? 4780), rendererDir });
      const { openCommandChannel } = await import('./api/command-channel.js');
      const channel = await openCommandChannel(desk);
      console.log(`Bayline desk is running: open ${host.url}`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await channel.close();
      await host.close();
      await desk.close();
      return 0;
    }

    case 'demo': {
      const dataDir = requireData(values);
      // A new folder's workspace is named for the demo shop (an existing one keeps its own).
      const desk = await Desk.open({ dataDir, workspace: { name: 'Lakeside Collision', slug: 'lakeside-collision' } });
      try {
        const existing = await desk.db.selectFrom('repair_orders').select('id').limit(1).execute();
        if (existing.length > 0) {
          console.error(`${dataDir} already has repair orders; the demo shop only goes into an empty data folder.`);
          return 1;
        }
        const { seedDemoShop } = await import('./demo/demo-shop.js');
        const started = Date.now();
        const seeded = await seedDemoShop(desk, {
          openRos: values.open ? Number(values.open) : undefined,
          closedRos: values.closed ? Number(values.closed) : undefined,
        });
        console.log(
          `Demo shop ready in ${dataDir}: ${seeded.openRos} open and ${seeded.closedRos} closed repair orders (${((Date.now() - started) / 1000).toFixed(1)} s).`,
        );
        return 0;
      } finally {
        await desk.close();
      }
    }

    case 'backup': {
      const dataDir = requireData(values);
      const paths = existingWorkspace(dataDir);
      if (values.list) {
        const backups = listBackups(paths.backups);
        if (backups.length === 0) console.log('No backups yet.');
        for (const b of backups) console.log(`${b.name}  ${b.createdAt}  ${b.reason}  ${(b.sizeBytes / 1024).toFixed(0)} KiB`);
        return 0;
      }
      const sqlite = new Database(paths.database, { fileMustExist: true });
      try {
        const keep = values.keep ? Number(values.keep) : DEFAULT_KEEP_BACKUPS;
        const backup = await createBackup(sqlite, paths.backups, 'manual', keep);
        console.log(`Backup written: ${backup.file}`);
        return 0;
      } finally {
        sqlite.close();
      }
    }

    case 'restore': {
      const dataDir = requireData(values);
      const paths = existingWorkspace(dataDir);
      const backups = listBackups(paths.backups);
      let source: string | undefined;
      if (values.from) {
        source = fs.existsSync(values.from) ? path.resolve(values.from) : backups.find((b) => b.name === values.from)?.file;
        if (!source) throw new UsageError(`No backup called ${values.from}. See: npm run desk -- backup --data ${values.data} --list`);
      } else {
        source = backups.find((b) => b.reason !== 'before-restore')?.file;
        if (!source) throw new UsageError(`There are no backups in ${paths.backups}.`);
      }
      const release = acquireDeskLock(dataDir);
      try {
        await restoreBackup(paths.database, source, paths.backups);
        const sqlite = new Database(paths.database, { fileMustExist: true });
        try {
          // The restored file must not reuse the clock and audit numbers its old self already gave out.
          renewNodeId(sqlite);
        } finally {
          sqlite.close();
        }
      } finally {
        release();
      }
      console.log(`Restored ${path.basename(source)}. The file it replaced was kept as a before-restore backup.`);
      return 0;
    }

    case 'verify-audit': {
      const dataDir = requireData(values);
      const paths = existingWorkspace(dataDir);
      const sqlite = new Database(paths.database, { readonly: true, fileMustExist: true });
      try {
        const result = verifyAudit(sqlite);
        if (result.ok) {
          console.log(`Audit trail intact: ${result.checked} events checked.`);
          return 0;
        }
        console.log(`Audit trail damaged (${result.checked} events checked):`);
        for (const p of result.problems) console.log(`  ${describeProblem(p)}`);
        return 1;
      } finally {
        sqlite.close();
      }
    }

    case 'pair': {
      const dataDir = requireData(values);
      if (!values.relay || !values.code) throw new UsageError('Pairing needs --relay URL and --code CODE.');
      const { pairDesk } = await import('./sync/pair.js');
      const device = await pairDesk({ dataDir, relayUrl: values.relay, code: values.code, deviceName: values.name });
      console.log(`Paired with ${device.workspace.name} (${device.workspace.slug}) at ${device.relayUrl}. Fetching the workspace…`);
      const desk = await Desk.open({ dataDir });
      try {
        await desk.syncClient!.whenCaughtUp();
        const status = await desk.syncClient!.status();
        const ros = await desk.db.selectFrom('repair_orders').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
        console.log(`This desk is up to date: ${Number(ros?.n ?? 0)} repair orders; ${status.changesWaiting} changes still to send.`);
      } finally {
        await desk.close();
      }
      return 0;
    }

    case 'print': {
      const dataDir = requireData(values);
      const [kind, ...extra] = positionals;
      if (!isPrintKind(kind) || extra.length > 0) throw new UsageError(`Say what to print: ${PRINT_KINDS.join(', ')}.`);
      const roNumber = Number(values.ro);
      if (!values.ro || !Number.isInteger(roNumber) || roNumber < 1) throw new UsageError('Say which repair order with --ro NUMBER.');
      if (!values.out) throw new UsageError('Say where to write the PDF with --out FILE.pdf.');
      existingWorkspace(dataDir);
      const render = async (): Promise<RenderedPrint | string> => {
        // While the desk runs on this folder, the document is drawn by it (through its command
        // channel); otherwise the folder is opened here.
        const found = await callRunning(dataDir, { method: 'search-query', args: { q: String(roNumber), limit: 50 }, as: null });
        if (found) {
          if (!found.ok) return found.error.message;
          const ro = (found.result as RepairOrderSummary[]).find((r) => r.roNumber === roNumber);
          if (!ro) return `No repair order ${roNumber} in ${dataDir}.`;
          const printed = await callRunning(dataDir, { method: 'print-render', args: { roId: ro.id, kind, paper: values.paper }, as: null });
          if (!printed) return 'The running desk stopped answering; try again.';
          return printed.ok ? (printed.result as RenderedPrint) : printed.error.message;
        }
        const desk = await Desk.open({ dataDir, sync: false });
        try {
          const ro = await desk.db.selectFrom('repair_orders').select('id').where('ro_number', '=', roNumber).executeTakeFirst();
          if (!ro) return `No repair order ${roNumber} in ${dataDir}.`;
          const outcome = await desk.call('print-render', { roId: ro.id, kind, paper: values.paper }, desk.newSession());
          return outcome.ok ? (outcome.result as RenderedPrint) : outcome.error.message;
        } finally {
          await desk.close();
        }
      };
      {
        const printed = await render();
        if (typeof printed === 'string') {
          console.error(printed);
          return 1;
        }
        const out = path.resolve(values.out);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, Buffer.from(printed.pdfBase64, 'base64'));
        console.log(`${KIND_LABELS[kind]} for RO ${roNumber} (${PAPERS[printed.paper].label}) written to ${out}.`);
        if (printed.problem) console.log(`No QR code for the customer: ${printed.problem}`);
        return 0;
      }
    }

    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command ? 0 : 1;

    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && !err.code.startsWith('ERR_')) {
      console.error(err.message);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  },
);
