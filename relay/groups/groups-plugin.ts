// The relay's group routes (issue 20, multi-location):
//   GET /g/:slug        the group's public page (relay/groups/group-page.ts), 404 for no such group
//   GET /g/:slug/logo   the group's logo, as the operator gave it
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { readSettings, shopOf } from '../portal/portal-view.js';
import { renderNotFound, type RenderedPage } from '../portal/render.js';
import { GROUP_SLUG } from './group-records.js';
import { type GroupLocation, renderGroupPage } from './group-page.js';

const HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

function send(reply: FastifyReply, status: number, page: RenderedPage) {
  return reply.code(status).headers(HEADERS).header('content-security-policy', page.csp).type('text/html; charset=utf-8').send(page.body);
}

export const groupsPlugin: FastifyPluginAsync = async (app) => {
  const notFound = renderNotFound();
  const groupOf = async (slug: string) => (GROUP_SLUG.test(slug) ? app.storage.groups.find(slug) : null);

  app.get<{ Params: { slug: string } }>('/g/:slug', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group) return send(reply, 404, notFound);
    const locations: GroupLocation[] = [];
    for (const id of group.members) {
      const workspace = await app.storage.findWorkspace(id);
      if (!workspace) continue;
      const store = await app.storage.workspaceStore(workspace.id);
      const settings = await readSettings(store.db);
      const booking = await store.db.selectFrom('appointment_availability').select('id').where('kind', '=', 'estimate').where('active', '=', 1).executeTakeFirst();
      locations.push({ slug: workspace.slug, shop: shopOf(settings), booking: !!booking });
    }
    return send(reply, 200, renderGroupPage({ slug: group.slug, name: group.name, colorPrimary: group.colorPrimary, colorAccent: group.colorAccent, hasLogo: group.logo !== null, locations }));
  });

  app.get<{ Params: { slug: string } }>('/g/:slug/logo', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group?.logo) return send(reply, 404, notFound);
    return reply.code(200).headers({ ...HEADERS, 'cache-control': 'public, max-age=3600' }).type(group.logo.type).send(group.logo.bytes);
  });
};
