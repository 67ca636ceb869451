// Microsoft Graph's change notifications for Outlook mailboxes (POST /mail/outlook/notify).
// Creating a subscription, Graph first posts `?validationToken=…` and wants it back as text/plain
// within 10 seconds. Every notification after that names its subscription and carries the
// clientState the relay chose for that mailbox: only when both match a connected Outlook mailbox
// does the relay catch that mailbox up (after answering 202 — Graph wants an answer within 3
// seconds). Lifecycle notifications (same route, same checks) ask for the subscription to be
// renewed now or say it was removed: the catch-up renews or replaces it. Anything else is refused
// and nothing is written; a notification only ever means "look now", what is filed comes from the
// mailbox itself.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MailService } from '../mail-service.js';

interface Notification {
  subscriptionId?: unknown;
  clientState?: unknown;
  /** Set on lifecycle notifications: reauthorizationRequired, subscriptionRemoved, missed. */
  lifecycleEvent?: unknown;
}

export async function outlookNotify(service: MailService | null, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const token = (req.query as { validationToken?: unknown }).validationToken;
  if (typeof token === 'string') {
    if (!service) return reply.code(503).type('text/plain').send('Email is not set up on this relay.');
    if (token.length === 0 || token.length > 2048) return reply.code(400).type('text/plain').send('The validation token is missing or too long.');
    return reply.code(200).type('text/plain; charset=utf-8').header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').send(token);
  }
  if (!service) return reply.code(503).send({ error: 'not-configured', message: 'Email is not set up on this relay.' });
  const value = (req.body as { value?: unknown } | null | undefined)?.value;
  if (!Array.isArray(value) || value.length === 0 || value.length > 1000) {
    return reply.code(400).send({ error: 'invalid', message: 'A change notification must carry a "value" list of notifications.' });
  }
  const mailboxes = new Set<string>();
  for (const n of value as Notification[]) {
    if (typeof n?.subscriptionId !== 'string' || typeof n.clientState !== 'string') continue;
    const mailboxId = await service.pushTarget('outlook', n.subscriptionId, n.clientState);
    if (!mailboxId) continue;
    mailboxes.add(mailboxId);
    // Graph must have the subscription renewed now, or dropped it: the catch-up below renews or
    // makes it again ("missed" needs only the catch-up).
    if (n.lifecycleEvent === 'reauthorizationRequired' || n.lifecycleEvent === 'subscriptionRemoved') await service.pushLapsed(mailboxId);
  }
  if (mailboxes.size === 0) {
    req.log.warn({ count: value.length }, 'refused an Outlook notification: unknown subscription or wrong clientState');
    return reply.code(403).send({ error: 'refused', message: 'This notification does not match a subscription of this relay.' });
  }
  for (const mailboxId of mailboxes) {
    void service.catchUpMailbox(mailboxId).catch((err: unknown) => req.log.warn({ mailboxId, err: (err as Error).message?.slice(0, 200) }, 'catch-up after a notification failed'));
  }
  return reply.code(202).send();
}
