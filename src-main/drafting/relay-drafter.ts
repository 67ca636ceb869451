// Asking the shop's relay for a model's draft. The desk never holds a model key: it POSTs the
// draft context to `<relay>/drafting/draft` with its device credential and reads the answer as
// NDJSON, one DraftStreamLine a line (`delta` pieces of text, then `done` or `error`). Each delta
// is passed on as the text so far, for the composer to show as it comes. Anything that goes wrong
// (not paired, offline, no model configured, an error line, too slow) comes back as a reason in
// the shop's words, and the caller gives the template draft instead. Offline answers at once:
// when sync says the relay is not reachable, no request is made at all.
import type { DraftChannel, DraftContext, DraftRecipient } from '../../src-shared/drafting/context.js';
import { bearer } from '../../src-shared/sync/protocol.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { readDevice } from '../sync/device.js';
import { DraftStreamError, readDraftStream } from './ndjson-reader.js';

export const FIRST_LINE_TIMEOUT_MS = 8_000;
export const OVERALL_TIMEOUT_MS = 20_000;

export type RelayDraft =
  | { ok: true; text: string; provider: string; model: string; unsure?: boolean; factsUsed?: string[] }
  | { ok: false; reason: 'not-paired' | 'offline' | 'not-configured' | 'switched-off' | 'timeout' | 'rate-limited' | 'budget' | 'provider-error' | 'invalid-answer'; notice: string };

export const NOTICES: Record<Exclude<RelayDraft, { ok: true }>['reason'], string> = {
  'not-paired': 'This desk is not connected to the shop\'s relay, so no model can write drafts; this one is from your templates.',
  offline: 'The desk is offline, so no model could write this draft; this one is from your templates.',
  'not-configured': 'No model is set up for drafts; this one is from your templates.',
  'switched-off': 'Drafting with a model is switched off; this one is from your templates.',
  timeout: 'The model did not answer in time; this draft is from your templates.',
  'rate-limited': 'The model is busy right now; this draft is from your templates. Try again in a minute.',
  budget: 'This month\'s drafting budget is used up; this draft is from your templates.',
  'provider-error': 'The model could not write a draft just now; this one is from your templates.',
  'invalid-answer': 'The model\'s answer was not a usable draft; this one is from your templates.',
};

function fail(reason: Exclude<RelayDraft, { ok: true }>['reason']): RelayDraft {
  return { ok: false, reason, notice: NOTICES[reason] };
}

export interface RelayDraftRequest {
  channel: DraftChannel;
  recipient: DraftRecipient;
  context: DraftContext;
}

export interface RelayDraftOptions {
  firstLineTimeoutMs?: number;
  overallTimeoutMs?: number;
}

/** The model's draft through the relay, or why not. `onText` gets the text so far after each delta. */
export async function draftThroughRelay(desk: Desk, request: RelayDraftRequest, onText: (text: string) => void, options: RelayDraftOptions = {}): Promise<RelayDraft> {
  const device = readDevice(desk.dataDir);
  if (!device) return fail('not-paired');
  const status = await desk.syncStatus();
  if (!status.online) return fail('offline');

  const controller = new AbortController();
  let timedOut = false;
  const abort = () => {
    timedOut = true;
    controller.abort();
  };
  const overall = setTimeout(abort, options.overallTimeoutMs ?? OVERALL_TIMEOUT_MS);
  let firstLine: NodeJS.Timeout | null = setTimeout(abort, options.firstLineTimeoutMs ?? FIRST_LINE_TIMEOUT_MS);
  const gotLine = () => {
    if (firstLine) clearTimeout(firstLine);
    firstLine = null;
  };
  try {
    const res = await fetch(new URL('drafting/draft', `${device.relayUrl.replace(/\/+$/, '')}/`), {
      method: 'POST',
      headers: { authorization: bearer(device.deviceId, device.secret), 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify(request),
      signal: controller.signal,
    });
    if (res.status === 404 || res.status === 503) {
      await res.body?.cancel().catch(() => undefined);
      return fail('not-configured');
    }
    if (res.status === 429) {
      await res.body?.cancel().catch(() => undefined);
      return fail('rate-limited');
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      return fail('provider-error');
    }
    const end = await readDraftStream(res.body, { onLine: gotLine, onText });
    if (end.type === 'error') return fail(end.code in NOTICES ? (end.code as keyof typeof NOTICES) : 'provider-error');
    return end.text.trim() === '' ? fail('provider-error') : { ok: true, text: end.text, provider: end.provider, model: end.model, ...(end.unsure !== undefined ? { unsure: end.unsure } : {}), ...(end.factsUsed ? { factsUsed: end.factsUsed } : {}) };
  } catch (err) {
    // A line that is not JSON, or an answer cut before its "done" (a timeout cuts it too).
    if (err instanceof DraftStreamError) return fail(timedOut ? 'timeout' : 'provider-error');
    return fail(timedOut ? 'timeout' : 'offline');
  } finally {
    clearTimeout(overall);
    if (firstLine) clearTimeout(firstLine);
  }
}

/** The relay's drafting status (GET /drafting); null when it cannot be asked. */
export async function relayDraftingStatus(desk: Desk): Promise<unknown> {
  const device = readDevice(desk.dataDir);
  if (!device) return null;
  const status = await desk.syncStatus();
  if (!status.online) return null;
  try {
    const res = await fetch(new URL('drafting', `${device.relayUrl.replace(/\/+$/, '')}/`), {
      headers: { authorization: bearer(device.deviceId, device.secret), accept: 'application/json' },
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) return null;
    return await res.json();
  } catch {
    return null;
  }
}
