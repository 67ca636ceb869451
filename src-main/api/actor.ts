// Who a write is attributed to: the staff member switched in on this window, the command line
// (`desk api` with nobody named), or the desk itself.
import type { WriteIntent } from '../../src-shared/sync/store.js';
import type { HandlerContext, Session } from './dispatch.js';

/** Sessions opened by `npm run desk -- api` (kept beside the session so Session's shape stays the transports'). */
const commandLineSessions = new WeakSet<Session>();

/** Marks a session as the command line's: with nobody named (`--as`), its writes read "Command line". */
export function markCommandLine(session: Session): Session {
  commandLineSessions.add(session);
  return session;
}

export function actorOf(ctx: HandlerContext): string {
  if (ctx.session.staffId) return `staff:${ctx.session.staffId}`;
  if (commandLineSessions.has(ctx.session)) return `command-line:${ctx.desk.store.nodeId}`;
  return `desk:${ctx.desk.store.nodeId}`;
}

export function intent(ctx: HandlerContext, action: string, summary: string, roId: string | null = null): WriteIntent {
  return { actor: actorOf(ctx), action, summary, roId };
}
