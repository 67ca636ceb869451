// A mail shown at the desk in Chromium, the way a shop would meet a hostile one: scripts, onerror,
// javascript: links, frames, forms, a meta refresh, a tracking pixel and CSS backgrounds pointing
// at a local server that counts what it is asked for. Nothing runs and nothing is fetched until
// the person presses "Show pictures"; then only the pictures load. Links open outside the frame;
// quoted history is folded. MailBody is built alone (harness/) with the renderer's Vite config and
// served with the browser host's own Content-Security-Policy.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deskPageCsp } from '../../src-main/host/browser-host.js';
import { axeProblems, launchChromium, screenshot, watchedPage } from '../../src-main/testing/browser-kit.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';

// A picture carried in the mail (a cid: part the conversation hands over as a data: URL).
const RED_DOT = 'data:image/gif;base64,R0lGODlhAQABAIABAP8AAP///ywAAAAAAQABAAACAkQBADs=';
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

/** A server on 127.0.0.1 standing for the internet: counts every request by path. */
async function countingServer() {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.url?.endsWith('.gif') || req.url?.endsWith('.png')) {
      res.writeHead(200, { 'Content-Type': 'image/gif', 'Content-Length': GIF.length, 'Cache-Control': 'no-store' });
      res.end(GIF);
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Outside</title><p>The estimate, outside the desk.</p>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits, count: (p: string) => hits.filter((h) => h === p).length, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Serves the built test page with the desk page's headers. */
async function pageServer(dir: string) {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': type };
    if (file.endsWith('.html')) headers['Content-Security-Policy'] = deskPageCsp(port);
    res.writeHead(200, headers);
    res.end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/email/harness/mail-body-page.html`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function hostileMail(outside: string): string {
  return `<html><head>
<meta http-equiv="refresh" content="0;url=${outside}/refresh">
<link rel="stylesheet" href="${outside}/sheet.css">
<style>@import url("${outside}/import.css"); .banner { background-image: url('${outside}/style-bg.png'); height: 12px; }</style>
<script>parent.__pwned = 'head script'; alert('head script');</script>
</head><body>
<p>Hi, the supplement for claim <b>CLM-88231</b> is approved.</p>
<img src="x" onerror="parent.__pwned = 'onerror'; alert('onerror')" alt="">
<svg><image href="${outside}/svg.png"/><script>parent.__pwned = 'svg'</script></svg>
<img src="${outside}/pixel.gif" width="1" height="1" alt="">
<p><img src="cid:logo@harbor" alt="Harbor Mutual logo" width="20" height="20"> <img src="cid:unknown@harbor" alt=""></p>
<div class="hero" style="background: url(${outside}/inline-bg.png)">Approved amount: $1,240.00</div>
<p><a href="javascript:parent.__pwned = 'link'">Click to confirm</a></p>
<p><a href="${outside}/estimate">Read the estimate</a></p>
<iframe src="${outside}/frame"></iframe>
<object data="${outside}/object"></object>
<form action="${outside}/form" method="post"><input name="q" value="1"><button>Send</button></form>
<script>window.top.__pwned = 'body script'</script>
<p>Dana Reyes, Harbor Mutual</p>
<div class="banner"></div>
<div style="height:8px;background-image:image-set('${outside}/image-set.png' 1x)"></div>
</body></html>`;
}

const GMAIL_REPLY = `<div dir="ltr">Yes, Thursday at 10 works. Bring the rental agreement.</div><br>
<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Tue, Dec 1, 2026 at 9:12 AM Lakeside Collision &lt;office@lakeside.example&gt; wrote:<br></div>
<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">Could you come in on Thursday to sign the repair authorization?</blockquote></div>`;

const OUTLOOK_REPLY = `<div style="font-family:Calibri">Photos of the rear bumper attached.</div>
<hr style="display:inline-block;width:98%" tabindex="-1">
<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Lakeside Collision<br><b>Sent:</b> Tuesday, December 1, 2026 9:12 AM<br><b>Subject:</b> RO 1042</div>
<div>Please send photos of the rear bumper.</div>`;

// An insurer's mail as they come: a 600px table layout, a logo from their server, a signature.
function adjusterMail(outside: string): string {
  return `<table width="600" cellpadding="0" cellspacing="0" style="font-family:Arial;border:1px solid #ddd">
<tr><td style="background:#003b6f;padding:12px"><img src="${outside}/logo.png" width="140" height="32" alt="Harbor Mutual"></td></tr>
<tr><td style="padding:16px;font-size:14px">
<p>Hello Lakeside Collision,</p>
<p>Supplement 1 for claim <b>CLM-88231</b> (2019 Honda Civic, plate 7XKL221) is approved for <b>$1,240.00</b>.
Parts: rear bumper cover, energy absorber, two clips.</p>
<table style="border-collapse:collapse;width:100%"><tr><th style="text-align:left;border-bottom:1px solid #ccc">Line</th><th style="text-align:right;border-bottom:1px solid #ccc">Amount</th></tr>
<tr><td>Rear bumper cover</td><td style="text-align:right">$612.40</td></tr><tr><td>Labor 4.2 h</td><td style="text-align:right">$436.80</td></tr><tr><td>Paint materials</td><td style="text-align:right">$190.80</td></tr></table>
<p>Dana Reyes<br>Field Adjuster, Harbor Mutual<br><a href="mailto:dana.reyes@harbor.example">dana.reyes@harbor.example</a></p>
</td></tr></table>`;
}

// Outlook on Windows (Word HTML): the reply header is a paragraph inside a top-ruled block.
const OUTLOOK_DESKTOP_REPLY = `<div class="WordSection1"><p class="MsoNormal">Approved, go ahead with the repair.</p>
<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in"><p class="MsoNormal"><b>From:</b> Lakeside Collision &lt;office@lakeside.example&gt;<br><b>Sent:</b> Tuesday, December 1, 2026 9:12 AM<br><b>To:</b> Dana Reyes<br><b>Subject:</b> Estimate RO 1042</p></div>
<p class="MsoNormal">Here is the estimate for RO 1042.</p></div>`;

// Apple Mail: the quote is a <blockquote type="cite">.
const APPLE_REPLY = `<div>Picked up, thank you!</div><div><br><blockquote type="cite"><div>On Dec 1, 2026, at 9:12 AM, Lakeside Collision wrote:</div><div>Your car is ready.</div></blockquote></div>`;

describe('a mail shown at the desk', () => {
  let tmp: string;
  let outside: Awaited<ReturnType<typeof countingServer>>;
  let served: Awaited<ReturnType<typeof pageServer>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const dialogs: string[] = [];

  beforeAll(async () => {
    tmp = tempDir('bayline-mail-');
    await build({
      configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
      build: { outDir: tmp, emptyOutDir: true, rollupOptions: { input: fileURLToPath(new URL('./harness/mail-body-page.html', import.meta.url)) } },
      logLevel: 'warn',
    });
    outside = await countingServer();
    served = await pageServer(tmp);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    ({ page, errors } = await watchedPage(context));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(served.url);
    await page.waitForFunction(() => typeof window.showMail === 'function');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await outside?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const frameText = () => page.evaluate(() => document.querySelector<HTMLIFrameElement>('iframe.mail-frame')?.contentDocument?.body.innerText ?? '');
  const pwned = () =>
    page.evaluate(() => {
      const w = window as unknown as { __pwned?: string };
      const f = document.querySelector<HTMLIFrameElement>('iframe.mail-frame')?.contentWindow as unknown as { __pwned?: string } | null;
      return w.__pwned ?? f?.__pwned ?? null;
    });

  it('shows a hostile mail inert: no script, no dialog, nothing fetched until "Show pictures", then only pictures', async () => {
    await page.evaluate(([html, dot]) => window.showMail({ html, text: null, label: 'Supplement approved — CLM-88231', inlineImages: { 'logo@harbor': dot } }), [hostileMail(outside.url), RED_DOT] as const);
    await page.getByText('Pictures from the internet are hidden (they can tell the sender you opened this).').waitFor();
    await expect.poll(frameText).toContain('Approved amount: $1,240.00');
    const text = await frameText();
    expect(text).toContain('Dana Reyes, Harbor Mutual');
    // Give anything that could fire (refresh, onerror, a pixel) time to do so.
    await page.waitForTimeout(1500);
    expect(await pwned()).toBeNull();
    expect(dialogs).toEqual([]);
    expect(outside.hits).toEqual([]);
    // The frame itself: sandboxed without scripts, still the mail (no refresh navigated it).
    const frame = await page.evaluate(() => {
      const f = document.querySelector<HTMLIFrameElement>('iframe.mail-frame')!;
      return { sandbox: f.getAttribute('sandbox'), url: f.contentWindow!.location.href, inner: f.contentDocument!.querySelectorAll('body :is(iframe, form, input, button, object, script, meta, link, svg, [onerror]), head :is(script, link, meta[http-equiv="refresh"])').length, height: f.getBoundingClientRect().height };
    });
    expect(frame.sandbox).toBe('allow-same-origin');
    expect(frame.url).toBe('about:srcdoc');
    expect(frame.inner).toBe(0);
    expect(frame.height).toBeGreaterThan(100); // sized to its content, not a 150px default box
    // The picture carried inside the mail shows; an unknown part is dropped.
    expect(await page.evaluate(() => Array.from(document.querySelector<HTMLIFrameElement>('iframe.mail-frame')!.contentDocument!.images).map((i) => [i.alt, i.getAttribute('src')?.slice(0, 15) ?? null, i.complete && i.naturalWidth > 0]))).toEqual([
      ['', null, false],
      ['', null, false],
      ['Harbor Mutual logo', 'data:image/gif;', true],
      ['', null, false],
    ]);
    await screenshot(page, 'mail-hostile-pictures-hidden');
    expect(await axeProblems(page)).toEqual([]);

    await page.getByRole('button', { name: 'Show pictures' }).click();
    await expect.poll(() => outside.count('/pixel.gif')).toBe(1);
    await expect.poll(() => outside.count('/inline-bg.png')).toBe(1);
    await expect.poll(() => outside.count('/style-bg.png')).toBe(1);
    await expect.poll(() => outside.count('/image-set.png')).toBe(1);
    await page.waitForTimeout(1000);
    expect(outside.hits.sort()).toEqual(['/image-set.png', '/inline-bg.png', '/pixel.gif', '/style-bg.png']);
    expect(await pwned()).toBeNull();
    expect(dialogs).toEqual([]);
    await expect.poll(() => page.getByText('Pictures from the internet are hidden').count()).toBe(0);
    await screenshot(page, 'mail-hostile-pictures-shown');
    // Chromium reports the onerror= in DOMPurify's inert parsing document as a CSP refusal when it
    // parses it (it would not run there either: checked without a CSP while writing this); nothing else.
    expect(errors.filter((e) => !e.startsWith('Executing inline event handler violates'))).toEqual([]);
  });

  it('opens a link from the mail outside the frame, never inside it', async () => {
    const link = await page.evaluate(() => {
      const f = document.querySelector<HTMLIFrameElement>('iframe.mail-frame')!;
      const a = Array.from(f.contentDocument!.querySelectorAll('a')).find((x) => x.textContent === 'Read the estimate')!;
      const fr = f.getBoundingClientRect();
      const ar = a.getBoundingClientRect();
      return { x: fr.left + ar.left + ar.width / 2, y: fr.top + ar.top + ar.height / 2, target: a.target, rel: a.rel };
    });
    expect(link).toMatchObject({ target: '_blank', rel: 'noopener noreferrer' });
    const opened = context.waitForEvent('page');
    await page.mouse.click(link.x, link.y);
    const tab = await opened;
    await tab.waitForLoadState();
    expect(tab.url()).toBe(`${outside.url}/estimate`);
    // The tab has no hold on the desk (noopener).
    expect(await tab.evaluate(() => window.opener)).toBeNull();
    await tab.close();
    // By keyboard too: Enter on the focused link inside the frame opens it outside.
    await page.evaluate(() => Array.from(document.querySelector<HTMLIFrameElement>('iframe.mail-frame')!.contentDocument!.querySelectorAll('a')).find((x) => x.textContent === 'Read the estimate')!.focus());
    const byKey = context.waitForEvent('page');
    await page.keyboard.press('Enter');
    const keyTab = await byKey;
    await keyTab.waitForLoadState();
    expect(keyTab.url()).toBe(`${outside.url}/estimate`);
    await keyTab.close();
    expect(await page.evaluate(() => document.querySelector<HTMLIFrameElement>('iframe.mail-frame')!.contentWindow!.location.href)).toBe('about:srcdoc');
    expect(page.url()).toBe(served.url);
    // The javascript: link has no address left to follow.
    expect(await page.evaluate(() => Array.from(document.querySelector<HTMLIFrameElement>('iframe.mail-frame')!.contentDocument!.querySelectorAll('a')).find((x) => x.textContent === 'Click to confirm')!.hasAttribute('href'))).toBe(false);
  });

  it('folds the quoted history of a Gmail reply and unfolds it on "Show earlier messages"', async () => {
    await page.evaluate((html) => window.showMail({ html, text: 'Yes, Thursday at 10 works.\n\nOn Tue wrote:\n> Could you come in?', label: 'Re: Signing' }), GMAIL_REPLY);
    await expect.poll(frameText).toContain('Thursday at 10 works');
    expect(await frameText()).not.toContain('repair authorization');
    const before = await page.locator('iframe.mail-frame').evaluate((f) => f.getBoundingClientRect().height);
    await screenshot(page, 'mail-gmail-reply-folded');
    const toggle = page.getByRole('button', { name: 'Show earlier messages' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    await expect.poll(frameText).toContain('Could you come in on Thursday to sign the repair authorization?');
    expect(await frameText()).toContain('Lakeside Collision <office@lakeside.example> wrote:');
    await expect.poll(() => page.locator('iframe.mail-frame').evaluate((f) => f.getBoundingClientRect().height)).toBeGreaterThan(before);
    expect(await page.getByRole('button', { name: 'Hide earlier messages' }).getAttribute('aria-expanded')).toBe('true');
    await screenshot(page, 'mail-gmail-reply-unfolded');
    expect(await axeProblems(page)).toEqual([]);

    // Both parts: the plain text is offered, folded the same way.
    await page.getByRole('button', { name: 'Show plain text' }).click();
    await page.locator('.mail-text').getByText('Yes, Thursday at 10 works.').waitFor();
    expect(await page.locator('iframe.mail-frame').count()).toBe(0);
    await page.getByRole('button', { name: 'Show formatted mail' }).waitFor();
  });

  it('shows an insurer\'s table mail whole in a narrow conversation, scrolling sideways, nothing cut off', async () => {
    await page.setViewportSize({ width: 560, height: 900 });
    await page.evaluate((html) => window.showMail({ html, text: null, label: 'Supplement 1 approved — CLM-88231' }), adjusterMail(outside.url));
    await expect.poll(frameText).toContain('Field Adjuster, Harbor Mutual');
    await page.waitForTimeout(300);
    const fit = await page.locator('iframe.mail-frame').evaluate((f: HTMLIFrameElement) => {
      const root = f.contentDocument!.documentElement;
      return { frame: f.clientHeight, content: f.contentDocument!.body.scrollHeight, view: root.clientHeight, wide: root.scrollWidth > root.clientWidth };
    });
    expect(fit.wide).toBe(true);
    expect(fit.view).toBeGreaterThanOrEqual(fit.content); // all of it visible above the sideways scrollbar
    expect(fit.frame - fit.content).toBeLessThan(30);
    expect(outside.count('/logo.png')).toBe(0);
    await screenshot(page, 'mail-adjuster-table-narrow');
    expect(await axeProblems(page)).toEqual([]);
    await page.setViewportSize({ width: 900, height: 900 });
  });

  it("folds Outlook's reply header and a plain-text mail's quoted lines", async () => {
    await page.evaluate((html) => window.showMail({ html, text: null, label: 'RE: RO 1042' }), OUTLOOK_REPLY);
    await expect.poll(frameText).toContain('Photos of the rear bumper attached.');
    expect(await frameText()).not.toContain('Please send photos');
    await page.getByRole('button', { name: 'Show earlier messages' }).click();
    await expect.poll(frameText).toContain('Please send photos of the rear bumper.');

    for (const [html, mine, theirs] of [
      [OUTLOOK_DESKTOP_REPLY, 'Approved, go ahead with the repair.', 'Here is the estimate for RO 1042.'],
      [APPLE_REPLY, 'Picked up, thank you!', 'Your car is ready.'],
    ] as const) {
      await page.evaluate((h) => window.showMail({ html: h, text: null }), html);
      await expect.poll(frameText).toContain(mine);
      expect(await frameText()).not.toContain(theirs);
      await page.getByRole('button', { name: 'Show earlier messages' }).click();
      await expect.poll(frameText).toContain(theirs);
    }

    await page.evaluate(() =>
      window.showMail({ html: null, text: 'Rental is booked until Friday.\n\nDana\n\n> Is the rental covered?\n> Thanks, Lakeside', label: 'Rental' }),
    );
    await page.locator('.mail-text').getByText('Rental is booked until Friday.').waitFor();
    expect(await page.locator('.mail-text').innerText()).not.toContain('Is the rental covered?');
    expect(await page.locator('iframe').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Show plain text' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Show earlier messages' }).click();
    expect(await page.locator('.mail-text').innerText()).toContain('> Is the rental covered?');
    await screenshot(page, 'mail-plain-text-unfolded');
    expect(await axeProblems(page)).toEqual([]);
    // The outside tab asked for its own favicon; nothing else was fetched by any of these mails.
    expect(outside.hits.filter((h) => h !== '/favicon.ico').sort()).toEqual(['/estimate', '/estimate', '/image-set.png', '/inline-bg.png', '/pixel.gif', '/style-bg.png']);
  });
});
