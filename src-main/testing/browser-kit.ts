// Test support for the desk screens in Chromium: the renderer built once into a folder, Debian's
// Chromium through playwright-core, axe-core's serious findings, and a page that records errors.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM = process.env.BAYLINE_CHROMIUM ?? '/usr/bin/chromium';
export const TEST_OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Builds the renderer as the browser host serves it. */
export async function buildRenderer(outDir: string): Promise<void> {
  await build({
    configFile: fileURLToPath(new URL('../../src-renderer/vite.config.ts', import.meta.url)),
    build: { outDir, emptyOutDir: true },
    logLevel: 'warn',
  });
}

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set BAYLINE_CHROMIUM.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that records script errors and console errors (a CSP refusal shows up there). */
export async function watchedPage(context: BrowserContext | Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
  });
  return { page, errors };
}

/** Serious and critical accessibility findings (axe-core, evaluated through DevTools, not injected into the page). */
export async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    return axe.run(document);
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.nodes.length}: ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))})`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(TEST_OUTPUT, { recursive: true });
  await page.screenshot({ path: `${TEST_OUTPUT}${name}.png`, scale: 'css' });
}
