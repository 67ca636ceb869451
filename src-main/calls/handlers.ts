// The calls API (issue 24) over the typed contract; the work is in calls.ts.
import type { HandlerMap } from '../api/dispatch.js';
import { handleCall, listCalls, loadCallCounts, loadCallSettings, logCall, matchCaller, missedCalls, textBack, updateCall, updateCallSettings } from './calls.js';

export const callHandlers: Partial<HandlerMap> = {
  'call-log': async (args, ctx) => logCall(ctx, args),
  'call-update': async (args, ctx) => updateCall(ctx, args),
  'call-list': async (args, { desk }) => listCalls(desk, args),
  'call-match': async (args, { desk }) => matchCaller(desk, args.number),
  'call-missed-list': async (_args, { desk }) => missedCalls(desk),
  'call-handle': async (args, ctx) => handleCall(ctx, args.id),
  'call-text-back': async (args, ctx) => textBack(ctx, args.id, args.body),
  'call-settings-get': async (_args, { desk }) => loadCallSettings(desk),
  'call-settings-update': async (args, ctx) => updateCallSettings(ctx, args),
  'call-counts': async (args, { desk }) => loadCallCounts(desk, args),
};
