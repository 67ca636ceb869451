// Serves the typed API: checks the method name, validates arguments with the contract's zod
// schema, runs the handler, and turns every failure into an ApiErrorBody with a stable code.
import type { z } from 'zod';
import { API, type ApiMethod, isApiMethod } from '../../src-shared/api/contract.js';
import { ApiError, type ApiErrorBody } from '../../src-shared/api/errors.js';
import type { HandlerContext, HandlerMap } from './desk-context.js';

export type { DeskContext, Handler, HandlerContext, HandlerMap, Session } from './desk-context.js';

/** Merges the per-domain maps; a name defined twice or a contract method left without a handler stops start-up. */
export function mergeHandlers(...parts: Array<Partial<HandlerMap>>): HandlerMap {
  const merged: Partial<Record<ApiMethod, unknown>> = {};
  for (const part of parts) {
    for (const name of Object.keys(part) as ApiMethod[]) {
      if (Object.hasOwn(merged, name)) throw new Error(`API method ${name} is handled twice`);
      if (!isApiMethod(name)) throw new Error(`Handler ${name} is not in the API contract`);
      merged[name] = part[name];
    }
  }
  const missing = (Object.keys(API) as ApiMethod[]).filter((m) => !Object.hasOwn(merged, m));
  if (missing.length > 0) throw new Error(`API methods without a handler: ${missing.join(', ')}`);
  return merged as HandlerMap;
}

export type CallOutcome = { ok: true; result: unknown } | { ok: false; error: ApiErrorBody };

export async function dispatch(handlers: HandlerMap, method: unknown, args: unknown, ctx: HandlerContext): Promise<CallOutcome> {
  try {
    if (!isApiMethod(method)) {
      throw new ApiError('unknown-method', `There is no API method called ${JSON.stringify(String(method)).slice(0, 80)}.`);
    }
    const parsed = (API[method].args as z.ZodType).safeParse(args ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        field: i.path.map(String).join('.') || '(arguments)',
        message:
          i.code === 'unrecognized_keys'
            ? `unknown field(s): ${i.keys.join(', ')}`
            : valueAt(args, i.path) === undefined && i.path.length > 0
              ? 'is missing'
              : i.message,
      }));
      const first = issues[0]!;
      throw new ApiError('invalid-args', `${method}: ${first.field} ${first.message}`, first.field, issues);
    }
    const handler = handlers[method] as (a: unknown, c: HandlerContext) => Promise<unknown>;
    return { ok: true, result: await handler(parsed.data, ctx) };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, error: err.toBody() };
    const code = (err as { code?: unknown }).code;
    console.error(`[api] ${String(method)} failed:`, err);
    return {
      ok: false,
      error: {
        code: 'internal',
        message: `Something went wrong inside Bayline${typeof code === 'string' ? ` (${code})` : ''}; nothing was saved. Try again, and if it keeps happening, note the time and call support.`,
      },
    };
  }
}

/** The value at a path of what the caller sent (undefined when any step is absent). */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
