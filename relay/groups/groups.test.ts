// The group page on both engines: every location of the group with its booking and track-my-repair
// links, in the group's order, nothing of a shop outside the group; no page for no group; the
// operator's records refuse a bad slug, a second group of one slug and an admin from outside.
import { afterEach, describe, expect, it } from 'vitest';
import { type Engine, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { GroupError } from './group-records.js';

describe.each<Engine>(['sqlite', 'postgres'])('groups (relay on %s)', (engine) => {
  let f: RelayFixture | undefined;
  afterEach(async () => {
    await f?.cleanup();
    f = undefined;
  });

  it('lists every location of the group with its links, and nothing of a shop outside it', async () => {
    f = await startRelayFixture(engine);
    const { storage } = f;
    const north = await storage.createWorkspace({ slug: 'lakeside-north', name: 'Lakeside North' });
    const south = await storage.createWorkspace({ slug: 'lakeside-south', name: 'Lakeside South' });
    const other = await storage.createWorkspace({ slug: 'rival-body', name: 'Rival Body' });
    await storage.groups.create({ slug: 'lakeside', name: 'Lakeside Collision Group', colorPrimary: '#1f4e79', colorAccent: '#f2a900' });
    await storage.groups.addMember('lakeside', south.id);
    await storage.groups.addMember('lakeside', north.id);
    await storage.groups.addMember('lakeside', north.id);
    await storage.groups.addAdmin('lakeside', north.id, 'owner');

    const res = await fetch(`${f.relay.url}/g/lakeside`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = await res.text();
    expect(body).toContain('<h1>Lakeside Collision Group</h1>');
    expect(body).toContain('2 locations.');
    const listed = [...body.matchAll(/data-location="([^"]+)"/g)].map((m) => m[1]);
    expect(listed).toEqual(['lakeside-south', 'lakeside-north']);
    for (const slug of ['lakeside-south', 'lakeside-north']) expect(body).toContain(`href="/p/${slug}"`);
    expect(body).not.toContain('rival-body');
    expect(body).not.toContain(other.id);
    expect(body).not.toContain('<script');
    // Each track link is the shop's own page.
    expect((await fetch(`${f.relay.url}/p/lakeside-north`)).status).toBe(200);

    // A Spanish reader picks Español on the switch: the page, the contact cards and the links speak it.
    expect(body).toContain('action="/g/lakeside/language"');
    const chose = await fetch(`${f.relay.url}/g/lakeside/language`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'language=es', redirect: 'manual' });
    expect(chose.status).toBe(303);
    expect(chose.headers.get('location')).toBe('/g/lakeside');
    const cookie = chose.headers.get('set-cookie')!.split(';')[0]!;
    const spanish = await (await fetch(`${f.relay.url}/g/lakeside`, { headers: { cookie } })).text();
    expect(spanish).toContain('<html lang="es');
    expect(spanish).toContain('Nuestros talleres');
    expect(spanish).toContain('2 talleres.');
    expect(spanish).toContain('Seguir mi reparación en Lakeside');
    expect(spanish).not.toContain('Track my repair');
    const bad = await fetch(`${f.relay.url}/g/lakeside/language`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'language=xx' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/"xx" is not a language this page offers/);

    expect((await fetch(`${f.relay.url}/g/nobody`)).status).toBe(404);
    expect((await fetch(`${f.relay.url}/g/lakeside/logo`)).status).toBe(404);
    await expect(storage.groups.create({ slug: 'lakeside', name: 'Again' })).rejects.toThrow(GroupError);
    await expect(storage.groups.create({ slug: 'Bad Slug', name: 'X' })).rejects.toThrow(/slug/);
    await expect(storage.groups.addAdmin('lakeside', other.id, 'owner')).rejects.toThrow(/add the shop to the group first/);
    expect(await storage.groups.administeredBy(north.id, 'owner')).toMatchObject([{ slug: 'lakeside', members: [south.id, north.id] }]);
  });
});
