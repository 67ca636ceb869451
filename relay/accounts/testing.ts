// Test support for the customer's account: a visitor with a cookie jar talking to the relay over
// HTTP as a browser would (forms, redirects by hand), and the sign-in code read from what the
// fake Telnyx was asked to send.
import { linkFor, makeRequest, type SigningShop } from '../esign/testing.js';
import type { FakeTelnyx } from '../testing/fake-telnyx.js';
import { eventually } from '../testing/sync-fixture.js';

export class Visitor {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly base: string,
    readonly userAgent = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1',
  ) {}

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (value === '' || /Max-Age=0/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private headers(): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return { 'user-agent': this.userAgent, ...(cookie ? { cookie } : {}) };
  }

  async get(path: string): Promise<{ status: number; body: string; location: string | null; res: Response }> {
    const res = await fetch(new URL(path, this.base), { headers: this.headers(), redirect: 'manual' });
    this.remember(res);
    return { status: res.status, body: await res.text(), location: res.headers.get('location'), res };
  }

  async post(path: string, fields: Record<string, string>): Promise<{ status: number; body: string; location: string | null; res: Response }> {
    const res = await fetch(new URL(path, this.base), {
      method: 'POST',
      headers: { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    this.remember(res);
    return { status: res.status, body: await res.text(), location: res.headers.get('location'), res };
  }
}

/** The form token on a page the relay rendered. */
export function csrfIn(page: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(page);
  if (!m) throw new Error('no form token on the page');
  return m[1]!;
}

const CODE_TEXT = /your sign-in code is (\d{6})/;

/** The newest sign-in code texted to `to`, or null. */
export function lastAccountCode(fake: FakeTelnyx, to: string): string | null {
  const texts = fake.sends().filter((s) => s.to === to && CODE_TEXT.test(s.text));
  return texts.length ? CODE_TEXT.exec(texts[texts.length - 1]!.text)![1]! : null;
}

export function accountCodesTo(fake: FakeTelnyx, to: string): number {
  return fake.sends().filter((s) => s.to === to && CODE_TEXT.test(s.text)).length;
}

/** Plain text of a page, for asserting what a person reads. */
export function textOf(page: string): string {
  return page.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/\s+/g, ' ');
}

/** A repair authorization on the shop's first repair, signed by Zoë through the real portal flow and sealed; answers its id. */
export async function signAuthorization(s: SigningShop): Promise<string> {
  const made = await makeRequest(s.desk, s.dataDir, s.ro.id, { kind: 'authorization', title: 'Repair authorization' });
  const link = await linkFor(s.fake, made.id);
  const base = link.url.replace(/\?.*$/, '');
  const json = { accept: 'application/json', 'content-type': 'application/json' };
  const post = (path: string, body: unknown = {}) => fetch(`${base}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) });
  if ((await post('/consent')).status !== 200) throw new Error('consent refused');
  await eventually('the document on the relay', async () => (await fetch(`${base}/document.pdf`)).status === 200);
  const needsCode = (await post('/code')).status === 200;
  const code = needsCode ? /signing code is (\d{6})/.exec(s.fake.sends().filter((t) => /signing code is/.test(t.text)).at(-1)!.text)![1]! : '';
  const signed = await post('/sign', { intent: 'I agree to sign this repair authorization electronically', code, signerName: 'Zoë Nguyen', method: 'typed' });
  if (signed.status !== 200) throw new Error(`signing refused: ${await signed.text()}`);
  const store = await s.f.storage.workspaceStore(s.f.workspace.id);
  await eventually('the sealed copy', async () => (await store.db.selectFrom('signature_requests').select('sealed_blob_hash').where('id', '=', made.id).executeTakeFirst())?.sealed_blob_hash ?? undefined);
  return made.id;
}
