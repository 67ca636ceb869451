// The relay's mail routes. A paired desk (its device credential) asks for a provider's sign-in
// address on behalf of a staff member (POST /mail/<provider>/start) and disconnects a mailbox
// (POST /mail/mailboxes/:id/disconnect); the relay checks in the shop's own data that the person
// is an owner or manager. The provider sends the browser back to GET /mail/<provider>/callback,
// which answers with a small page in the shop's words. GET /mail/providers tells the desk which
// providers this relay can connect. POST /mail/outlook/notify takes Microsoft Graph's change
// notifications. Without mail settings every route answers 503.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { authenticateDevice } from '../pairing.js';
import { ImapSettingsError, MailError } from './errors.js';
import type { MailService } from './mail-service.js';
import { outlookNotify } from './outlook/notify.js';
import { OUTLOOK_NOTIFY_PATH } from './outlook/paths.js';
import type { MailProviderId } from './provider.js';

export interface MailPluginOptions {
  service: MailService | null;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(reply: FastifyReply, status: number, title: string, line: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
    .header('referrer-policy', 'no-referrer')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title>` +
        '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2933}h1{font-size:1.4rem}</style></head>' +
        `<body><h1>${escape(title)}</h1><p>${escape(line)}</p></body></html>`,
    );
}

const STATUS: Record<MailError['code'], number> = { 'not-configured': 503, 'not-allowed': 403, 'link-used': 400, 'provider-refused': 502, 'not-found': 404 };

export const mailPlugin: FastifyPluginAsync<MailPluginOptions> = async (app, { service }) => {
  const notConfigured = { error: 'not-configured', message: 'Email is not set up on this relay yet: the operator must add the mail settings (see the README).' };

  async function desk(req: { headers: { authorization?: string } }, reply: FastifyReply) {
    const auth = await authenticateDevice(app.storage, req.headers.authorization);
    if ('error' in auth) {
      await reply.code(auth.error === 'revoked' ? 403 : 401).send({ error: auth.error, message: 'The relay does not know this desk. Pair it again.' });
      return null;
    }
    return auth;
  }

  const answer = (reply: FastifyReply, err: unknown) => {
    if (err instanceof MailError) return reply.code(STATUS[err.code]).send({ error: err.code, message: err.message });
    throw err;
  };

  app.get('/mail/providers', async (req, reply) => {
    const auth = await desk(req, reply);
    if (!auth) return reply;
    return { providers: service?.providerList() ?? [] };
  });

  app.post<{ Params: { provider: string } }>('/mail/:provider/start', async (req, reply) => {
    const auth = await desk(req, reply);
    if (!auth) return reply;
    if (!service) return reply.code(503).send(notConfigured);
    const staffId = (req.body as { staffId?: unknown } | undefined)?.staffId;
    if (typeof staffId !== 'string' || !staffId) return reply.code(400).send({ error: 'invalid', message: 'Say which staff member is connecting the mailbox.' });
    try {
      return await service.startConnect(auth.workspace.id, staffId, req.params.provider as MailProviderId);
    } catch (err) {
      return answer(reply, err);
    }
  });

  // A plain IMAP/SMTP mailbox: its server settings, tried (IMAP and SMTP logins) before they are kept.
  app.post('/mail/imap/connect', async (req, reply) => {
    const auth = await desk(req, reply);
    if (!auth) return reply;
    if (!service) return reply.code(503).send(notConfigured);
    const staffId = (req.body as { staffId?: unknown } | undefined)?.staffId;
    if (typeof staffId !== 'string' || !staffId) return reply.code(400).send({ error: 'invalid', message: 'Say which staff member is connecting the mailbox.' });
    try {
      const { connectImapMailbox } = await import('./imap/connect.js');
      return await connectImapMailbox(service, { workspaceId: auth.workspace.id, staffId, body: req.body });
    } catch (err) {
      if (err instanceof ImapSettingsError) return reply.code(400).send({ error: 'invalid', message: err.message });
      return answer(reply, err);
    }
  });

  app.post<{ Params: { id: string } }>('/mail/mailboxes/:id/disconnect', async (req, reply) => {
    const auth = await desk(req, reply);
    if (!auth) return reply;
    if (!service) return reply.code(503).send(notConfigured);
    const staffId = (req.body as { staffId?: unknown } | undefined)?.staffId;
    if (typeof staffId !== 'string' || !staffId) return reply.code(400).send({ error: 'invalid', message: 'Say which staff member is disconnecting the mailbox.' });
    try {
      await service.disconnect(auth.workspace.id, req.params.id, staffId);
      return { ok: true };
    } catch (err) {
      return answer(reply, err);
    }
  });

  // Microsoft Graph's change notifications (./outlook/notify.ts): no desk credential, the
  // subscription id and its clientState are checked instead.
  app.post(OUTLOOK_NOTIFY_PATH, (req, reply) => outlookNotify(service, req, reply));

  app.get<{ Params: { provider: string } }>('/mail/:provider/callback', async (req, reply) => {
    if (!service) return page(reply, 503, 'Email is not set up', notConfigured.message);
    let provider;
    try {
      provider = service.provider(req.params.provider);
    } catch (err) {
      return page(reply, 404, 'Unknown mail provider', (err as Error).message);
    }
    const name = provider.name;
    const q = req.query as { code?: string; state?: string; error?: string };
    if (q.error) return page(reply, 400, `${name} was not connected`, `${name} did not give access (it was declined or cancelled). Press "Connect ${name}" in Bayline to try again.`);
    if (!q.code || !q.state) return page(reply, 400, `${name} was not connected`, `This page needs the address ${name} sends back. Press "Connect ${name}" in Bayline to start again.`);
    try {
      const { address } = await service.finishConnect(provider.id, q.code, q.state);
      return page(reply, 200, `${name} connected`, `Connected as ${address} — you can close this tab.`);
    } catch (err) {
      if (err instanceof MailError) return page(reply, STATUS[err.code], `${name} was not connected`, err.message);
      req.log.error({ err: (err as Error).message?.slice(0, 200) }, 'mailbox connect failed');
      return page(reply, 500, `${name} was not connected`, `Something went wrong on the relay. Press "Connect ${name}" in Bayline to try again.`);
    }
  });
};
