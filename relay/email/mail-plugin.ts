// The relay's mail routes. A paired desk (its device credential) asks for the Google sign-in
// address on behalf of a staff member (POST /mail/gmail/start) and disconnects a mailbox (POST
// /mail/mailboxes/:id/disconnect); the relay checks in the shop's own data that the person is an
// owner or manager. Google sends the browser back to GET /mail/gmail/callback, which answers with
// a small page in the shop's words. Without a configured Google app every route answers 503.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { authenticateDevice } from '../pairing.js';
import { GMAIL_CALLBACK_PATH } from './google.js';
import { MailError, type MailService } from './mail-service.js';

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

const STATUS: Record<MailError['code'], number> = { 'not-configured': 503, 'not-allowed': 403, 'link-used': 400, 'google-refused': 502, 'not-found': 404 };

export const mailPlugin: FastifyPluginAsync<MailPluginOptions> = async (app, { service }) => {
  const notConfigured = { error: 'not-configured', message: 'Email is not set up on this relay yet: the operator must add the Google app settings (see the README).' };

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

  app.post('/mail/gmail/start', async (req, reply) => {
    const auth = await desk(req, reply);
    if (!auth) return reply;
    if (!service) return reply.code(503).send(notConfigured);
    const staffId = (req.body as { staffId?: unknown } | undefined)?.staffId;
    if (typeof staffId !== 'string' || !staffId) return reply.code(400).send({ error: 'invalid', message: 'Say which staff member is connecting the mailbox.' });
    try {
      return await service.startConnect(auth.workspace.id, staffId);
    } catch (err) {
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

  app.get(GMAIL_CALLBACK_PATH, async (req, reply) => {
    if (!service) return page(reply, 503, 'Email is not set up', notConfigured.message);
    const q = req.query as { code?: string; state?: string; error?: string };
    if (q.error) return page(reply, 400, 'Gmail was not connected', 'Google did not give access (it was declined or cancelled). Press "Connect Gmail" in Bayline to try again.');
    if (!q.code || !q.state) return page(reply, 400, 'Gmail was not connected', 'This page needs the address Google sends back. Press "Connect Gmail" in Bayline to start again.');
    try {
      const { address } = await service.finishConnect(q.code, q.state);
      return page(reply, 200, 'Gmail connected', `Connected as ${address} — you can close this tab.`);
    } catch (err) {
      if (err instanceof MailError) return page(reply, STATUS[err.code], 'Gmail was not connected', err.message);
      req.log.error({ err: (err as Error).message?.slice(0, 200) }, 'mailbox connect failed');
      return page(reply, 500, 'Gmail was not connected', 'Something went wrong on the relay. Press "Connect Gmail" in Bayline to try again.');
    }
  });
};
