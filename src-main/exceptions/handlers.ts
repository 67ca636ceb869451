// Exceptions (delays and problems) recorded with a standard tag mapped to a delay reason, and
// the shop's sub-statuses mapped onto the eight stages.
import { ApiError } from '../../src-shared/api/errors.js';
import type { ExceptionTag, SubStatus } from '../../src-shared/domain.js';
import { DELAY_REASONS, type DelayReason, isDelayReason, STANDARD_EXCEPTION_TAGS } from '../../src-shared/exceptions.js';
import type { Stage } from '../../src-shared/stages.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import { intent } from '../api/actor.js';
import type { HandlerMap } from '../api/dispatch.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { loadDetail } from '../repair-orders/queries.js';

/** Standard tags first, then the shop's own; a shop tag with a standard name overrides nothing. */
export async function listExceptionTags(desk: Desk): Promise<ExceptionTag[]> {
  const standard = STANDARD_EXCEPTION_TAGS.map((t) => ({
    tag: t.tag,
    reason: t.reason,
    reasonLabel: DELAY_REASONS[t.reason],
    standard: true,
  }));
  const standardNames = new Set(standard.map((t) => t.tag));
  const custom = await desk.db.selectFrom('exception_tags').selectAll().where('active', '=', 1).orderBy('tag').execute();
  return [
    ...standard,
    ...custom
      .filter((t) => t.tag && !standardNames.has(t.tag))
      .map((t) => {
        const reason: DelayReason = t.reason && isDelayReason(t.reason) ? t.reason : 'other';
        return { tag: t.tag!, reason, reasonLabel: DELAY_REASONS[reason], standard: false };
      }),
  ];
}

function toSubStatus(row: RowOf<'sub_statuses'>): SubStatus {
  return {
    id: row.id,
    name: row.name ?? '',
    stage: (row.stage ?? 'pictures') as Stage,
    position: row.position ?? 0,
    active: row.active !== 0,
  };
}

export const exceptionHandlers: Partial<HandlerMap> = {
  'exception-tag-list': async (_args, { desk }) => listExceptionTags(desk),

  'exception-tag-save': async (args, ctx) => {
    if (STANDARD_EXCEPTION_TAGS.some((t) => t.tag === args.tag)) {
      throw new ApiError('invalid-args', `${args.tag} is a standard tag and cannot be changed.`, 'tag');
    }
    // The tag text is the row id, so two desks adding the same tag end with one row.
    const id = `tag:${args.tag}`;
    await ctx.desk.store.write(intent(ctx, 'exception-tag-save', `Exception tag ${args.tag} saved`), async (tx) => {
      const values = { tag: args.tag, reason: args.reason, active: args.active ? 1 : 0 };
      if (await tx.get('exception_tags', id)) await tx.update('exception_tags', id, values);
      else await tx.insert('exception_tags', { id, ...values });
    });
    return { tag: args.tag, reason: args.reason, reasonLabel: DELAY_REASONS[args.reason], standard: false };
  },

  'exception-add': async (args, ctx) => {
    const tags = await listExceptionTags(ctx.desk);
    const wanted = args.tag.startsWith('#') ? args.tag.toLowerCase() : `#${args.tag.toLowerCase()}`;
    const tag = tags.find((t) => t.tag === wanted);
    if (!tag) {
      throw new ApiError('invalid-args', `${wanted} is not an exception tag here. Pick one of: ${tags.map((t) => t.tag).join(', ')}.`, 'tag');
    }
    await ctx.desk.store.write(intent(ctx, 'exception-add', `Exception ${tag.tag} (${tag.reasonLabel}) raised`, args.roId), async (tx) => {
      if (!(await tx.get('repair_orders', args.roId))) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'roId');
      await tx.insert('ro_exceptions', {
        ro_id: args.roId,
        tag: tag.tag,
        reason: tag.reason,
        note: args.note ?? null,
        opened_at: ctx.desk.now().toISOString(),
        opened_by: ctx.session.staffId,
      });
    });
    return loadDetail(ctx.desk, args.roId);
  },

  'exception-resolve': async (args, ctx) => {
    const roId = await ctx.desk.store.write(intent(ctx, 'exception-resolve', 'Exception resolved'), async (tx) => {
      const e = await tx.get('ro_exceptions', args.id);
      if (!e) throw new ApiError('not-found', 'That exception does not exist.', 'id');
      tx.roId = e.ro_id;
      if (!e.resolved_at) {
        await tx.update('ro_exceptions', args.id, { resolved_at: ctx.desk.now().toISOString(), resolved_by: ctx.session.staffId });
      }
      return e.ro_id!;
    });
    return loadDetail(ctx.desk, roId);
  },

  'substatus-list': async (_args, { desk }) => {
    const rows = await desk.db.selectFrom('sub_statuses').selectAll().orderBy('stage').orderBy('position').orderBy('name').execute();
    return rows.map(toSubStatus);
  },

  'substatus-save': async (args, ctx) => {
    const id = await ctx.desk.store.write(intent(ctx, 'substatus-save', `Sub-status ${args.name} saved`), async (tx) => {
      const values = {
        name: args.name,
        stage: args.stage,
        position: args.position,
        active: args.active === undefined ? undefined : args.active ? 1 : 0,
      };
      if (args.id) {
        if (!(await tx.get('sub_statuses', args.id))) throw new ApiError('not-found', 'That sub-status does not exist.', 'id');
        await tx.update('sub_statuses', args.id, values);
        return args.id;
      }
      return tx.insert('sub_statuses', { ...values, position: args.position ?? 0, active: 1 });
    });
    const row = await ctx.desk.db.selectFrom('sub_statuses').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return toSubStatus(row);
  },
};
