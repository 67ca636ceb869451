// Screenshots of the group admin pages (desk 1366×768, phone 390×844) into /tmp/shots-groups: npx tsx relay/groups/screenshots.ts
import { chromium } from 'playwright-core';
import { reportsFixture } from '../../src-shared/reports/fixtures.js';
import { writeFacts } from '../../src-shared/reports/testing.js';
import { randomToken, sha256 } from '../providers/auth.js';
import { startRelayFixture } from '../testing/sync-fixture.js';
const f = await startRelayFixture('sqlite');
const s = f.storage;
await s.groups.create({ slug: 'lakeside', name: 'Lakeside Collision Group', colorPrimary: '#1f4e79', colorAccent: '#f2a900' });
for (const [slug, name] of [['north', 'Lakeside North'], ['south', 'Lakeside South'], ['east', 'Lakeside East']]) {
  const ws = await s.createWorkspace({ slug: slug!, name: name! });
  const st = await s.workspaceStore(ws.id);
  await writeFacts(st, reportsFixture());
  await st.write({ actor: 'system', action: 'x', audit: false }, (tx) => tx.update('workspace_settings', 'workspace', { name }));
  await s.groups.addMember('lakeside', ws.id);
}
await s.groups.addAdminPerson('lakeside', 'pat@lakeside.example', 'Pat Lee');
const id = randomToken();
await s.groups.createSession({ idHash: sha256(id), groupSlug: 'lakeside', email: 'pat@lakeside.example', csrfToken: 'c', now: new Date().toISOString(), expiresAt: new Date(Date.now() + 3600_000).toISOString() });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
for (const [name, vp] of [['desk', { width: 1366, height: 768 }], ['phone', { width: 390, height: 844 }]] as const) {
  const ctx = await browser.newContext({ viewport: vp });
  await ctx.addCookies([{ name: 'bayline_group', value: id, url: f.relay.url }]);
  const p = await ctx.newPage();
  await p.goto(`${f.relay.url}/g/lakeside/admin?from=2026-10-26&to=2026-11-08`);
  await p.screenshot({ path: `/tmp/shots-groups/report-${name}.png`, fullPage: name === 'desk' });
  await p.goto(`${f.relay.url}/g/lakeside/admin/sign-in`);
  await p.screenshot({ path: `/tmp/shots-groups/sign-in-${name}.png` });
  await ctx.close();
}
await browser.close();
await f.cleanup();
