// `npm run desk -- api`: one typed API call made from a script, attributed to a named staff member
// or to "Command line", and the list of methods with their argument schemas as JSON Schema.
// The same code runs inside a running desk (through its command channel) and in the command's own
// process when no desk is running, so both answer alike.
import { z } from 'zod';
import { API, type ApiMethod } from '../../src-shared/api/contract.js';
import { ApiError } from '../../src-shared/api/errors.js';
import type { Desk } from '../desk.js';
import { markCommandLine } from './actor.js';
import type { CallOutcome } from './dispatch.js';

/** What a script sends: the method, its arguments, and optionally whose name the call is made in. */
export interface CommandLineCall {
  method: string;
  args: unknown;
  as?: string | null;
}

export type CommandDesk = Pick<Desk, 'call' | 'newSession' | 'db'>;

/** Runs one call in a session of its own, as the command line or as the staff member named. */
export async function callFromCommandLine(desk: CommandDesk, call: CommandLineCall): Promise<CallOutcome> {
  const session = markCommandLine(desk.newSession());
  if (call.as != null && call.as !== '') {
    try {
      session.staffId = await staffIdByName(desk, call.as);
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, error: err.toBody() };
      throw err;
    }
  }
  return desk.call(call.method, call.args, session);
}

/**
 * The active staff member called `name`: the whole name, ignoring case and extra spaces, or else
 * the only one whose first name it is. No match or several give a sentence listing the names.
 */
export async function staffIdByName(desk: Pick<Desk, 'db'>, name: string): Promise<string> {
  const rows = await desk.db.selectFrom('staff').select(['id', 'name', 'active']).orderBy('name').execute();
  const staff = rows.filter((r) => r.active !== 0 && r.name).map((r) => ({ id: r.id, name: r.name! }));
  const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
  const wanted = norm(name);
  const whole = staff.filter((s) => norm(s.name) === wanted);
  const matches = whole.length > 0 ? whole : staff.filter((s) => norm(s.name).split(' ')[0] === wanted);
  if (matches.length === 1) return matches[0]!.id;
  const names = staff.map((s) => s.name).join(', ');
  if (matches.length > 1) {
    throw new ApiError('invalid-args', `More than one person is called "${name}": ${matches.map((s) => s.name).join(', ')}. Give the whole name with --as.`, 'as');
  }
  throw new ApiError(
    'not-found',
    staff.length === 0
      ? `No one called "${name}" works at this desk: no staff have been added yet. Leave out --as to act as the command line.`
      : `No one called "${name}" works at this desk. The staff are: ${names}.`,
    'as',
  );
}

/**
 * Every method with the JSON Schema of its arguments (what a caller may send: the input side of
 * transforms and defaults). Checks written as code (refinements such as "a real time zone") have
 * no JSON Schema form and are left out; the desk still applies them and names the field.
 */
export function apiMethodSchemas(): Record<ApiMethod, unknown> {
  const out = {} as Record<ApiMethod, unknown>;
  for (const name of Object.keys(API).sort() as ApiMethod[]) {
    out[name] = z.toJSONSchema(API[name].args as z.ZodType, { io: 'input', unrepresentable: 'any' });
  }
  return out;
}
