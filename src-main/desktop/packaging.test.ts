// The Windows installer's inputs, checked here because Electron's binary and Windows' tools cannot
// run on these machines: electron-builder.yml against electron-builder's own JSON schema, every
// file it names, and the icon set and installer artwork drawn from resources/logo.svg.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parseICO } from 'icojs';
import { load } from 'js-yaml';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeBmp } from '../../scripts/bmp.js';
import { HEADER, ICO_SIZES, makeIcons, PNG_SIZES, SIDEBAR } from '../../scripts/make-icons.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const at = (...parts: string[]) => path.join(ROOT, ...parts);
const config = load(fs.readFileSync(at('electron-builder.yml'), 'utf8')) as Record<string, any>;

/** How much of a picture is really drawn: opaque pixels, and how many distinct colours. */
async function pixelsOf(image: Buffer | { rgb: Buffer; width: number; height: number }) {
  const input = Buffer.isBuffer(image) ? sharp(image) : sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } });
  const { data, info } = await input.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  let opaque = 0;
  let brandBlue = 0;
  let white = 0;
  const colours = new Set<number>();
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
    if (a > 200) opaque++;
    if (a > 200 && Math.abs(r - 0x1d) < 12 && Math.abs(g - 0x4f) < 12 && Math.abs(b - 0x91) < 12) brandBlue++;
    if (a > 200 && r > 240 && g > 240 && b > 240) white++;
    colours.add((r << 24) | (g << 16) | (b << 8) | a);
  }
  const total = info.width * info.height;
  return { width: info.width, height: info.height, opaqueShare: opaque / total, blueShare: brandBlue / total, whiteShare: white / total, colours: colours.size };
}

describe('the Windows installer configuration', () => {
  it('is valid for electron-builder (its own scheme.json), with the NSIS choices the shop gets', () => {
    const schema = JSON.parse(fs.readFileSync(at('node_modules/app-builder-lib/scheme.json'), 'utf8'));
    // The options electron-builder itself validates with (app-builder-lib's schemaValidator), minus
    // type coercion: a string where a boolean belongs is a mistake here, not something to fix up.
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);

    // A mistake the schema must catch, so the check above is not passing everything.
    expect(validate({ ...config, nsis: { ...config.nsis, oneClick: 'no' } })).toBe(false);
    expect(validate({ ...config, nsis: { ...config.nsis, perMachineByDefault: true } })).toBe(false);

    expect(config.productName).toBe('Bayline');
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/);
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config.nsis).toMatchObject({
      oneClick: false,
      perMachine: false,
      allowElevation: true,
      createDesktopShortcut: true,
      createStartMenuShortcut: true,
      deleteAppDataOnUninstall: false,
    });
    expect(config.protocols).toEqual([{ name: expect.any(String), schemes: ['bayline'] }]);
    expect(config.npmRebuild).toBe(true);
    for (const native of ['better-sqlite3', 'sharp']) expect(config.asarUnpack.some((glob: string) => glob.includes(`node_modules/${native}/`))).toBe(true);
    expect(config.publish).toMatchObject({ provider: 'generic' });
    expect(config.publish.url).toMatch(/\/updates\/win$/);
  });

  it('names only files that exist', () => {
    const named = [
      config.win.icon,
      config.nsis.installerIcon,
      config.nsis.uninstallerIcon,
      config.nsis.installerSidebar,
      config.nsis.uninstallerSidebar,
      config.nsis.installerHeader,
      ...config.extraResources.map((r: { from: string }) => r.from),
    ];
    expect(named.every((f) => typeof f === 'string')).toBe(true);
    const missing = named.filter((file) => !fs.existsSync(at(file)));
    expect(missing).toEqual([]);
    expect(fs.statSync(at(config.directories.buildResources)).isDirectory()).toBe(true);
    expect(fs.readdirSync(at('resources/fonts')).filter((f) => f.endsWith('.ttf')).length).toBeGreaterThan(0);
    // The app's entry, as packaged: the main bundle electron-vite writes (built by desktop-build.test.ts).
    const pkg = JSON.parse(fs.readFileSync(at('package.json'), 'utf8'));
    expect(pkg.main).toBe('out/main/index.js');
    expect(config.files).toContain('out/**/*');
    // electron-builder makes the installer from the app's own version.
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('the icon set and installer artwork', () => {
  it('icon.ico holds every size Windows picks from, each a drawn logo', async () => {
    const images = await parseICO(fs.readFileSync(at('build/icon.ico')), 'image/png');
    expect(images.map((i) => `${i.width}x${i.height}`).sort()).toEqual(ICO_SIZES.map((s) => `${s}x${s}`).sort());
    for (const image of images) {
      const seen = await pixelsOf(Buffer.from(image.buffer));
      expect(seen.width).toBe(image.width);
      expect(image.bpp).toBe(32);
      // Not blank and not a flat square: mostly the blue tile, with white drawn on it.
      expect(seen.opaqueShare, `${image.width}px`).toBeGreaterThan(0.6);
      expect(seen.blueShare, `${image.width}px`).toBeGreaterThan(0.25);
      expect(seen.whiteShare + 0, `${image.width}px`).toBeGreaterThan(image.width >= 32 ? 0.05 : 0.01);
      expect(seen.colours, `${image.width}px`).toBeGreaterThan(4);
    }
  });

  it('the PNGs and the NSIS bitmaps have their sizes and are drawn', async () => {
    for (const size of PNG_SIZES) {
      const seen = await pixelsOf(fs.readFileSync(at('build/icons', `${size}x${size}.png`)));
      expect([seen.width, seen.height]).toEqual([size, size]);
      expect(seen.blueShare).toBeGreaterThan(0.25);
    }
    expect((await sharp(at('build/icon.png')).metadata()).width).toBe(512);
    for (const [file, size] of [
      ['installerSidebar.bmp', SIDEBAR],
      ['uninstallerSidebar.bmp', SIDEBAR],
      ['installerHeader.bmp', HEADER],
    ] as const) {
      const bmp = decodeBmp(fs.readFileSync(at('build', file)));
      expect([bmp.width, bmp.height, bmp.bitsPerPixel], file).toEqual([size.width, size.height, 24]);
      const seen = await pixelsOf(bmp);
      expect(seen.colours, file).toBeGreaterThan(10);
      expect(seen.whiteShare, file).toBeGreaterThan(0.02);
    }
  });

  it('the committed files are what `npm run icons` makes from resources/logo.svg', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-icons-'));
    try {
      const written = await makeIcons(out);
      const stale = written.filter((name) => !fs.readFileSync(path.join(out, name)).equals(fs.readFileSync(at('build', name))));
      expect(stale, 'run npm run icons and commit build/').toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
