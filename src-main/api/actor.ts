// Who a write is attributed to: the staff member switched in on this window, or the desk itself.
import type { WriteIntent } from '../../src-shared/sync/store.js';
import type { HandlerContext } from './dispatch.js';

export function actorOf(ctx: HandlerContext): string {
  return ctx.session.staffId ? `staff:${ctx.session.staffId}` : `desk:${ctx.desk.store.nodeId}`;
}

export function intent(ctx: HandlerContext, action: string, summary: string, roId: string | null = null): WriteIntent {
  return { actor: actorOf(ctx), action, summary, roId };
}
