// The fake Telnyx's voice side: plays a phone call to the shop's Bayline number as Telnyx Call
// Control would, as webhooks signed like the texts' ones (fake-telnyx.ts `sign`) posted to the
// relay's /webhooks/telnyx/voice, and reacts to the Call Control actions the relay sends through
// the real SDK (recorded by the fake): a transfer rings the shop line, which picks up after
// `ringSeconds` and talks for `talkSeconds` — or nobody picks up and the shop line's leg ends,
// and the caller's leg ends once the relay hangs it up (or the caller gives up).
// Times are the call's own (start, answer, end at exact offsets), so durations are exact.
import { randomUUID } from 'node:crypto';
import type { FakeTelnyx } from './fake-telnyx.js';

export interface VoiceCallPlan {
  relayUrl: string;
  from: string;
  to: string;
  /** 'shop' picks up at the forwarded line; 'nobody' lets it ring out. */
  answeredBy: 'shop' | 'nobody';
  ringSeconds?: number;
  talkSeconds?: number;
  /** When the call starts (default now). */
  startedAt?: Date;
  /** Sends every webhook twice (Telnyx retries when it did not hear an answer in time). */
  deliverTwice?: boolean;
}

export interface VoiceCallResult {
  callSessionId: string;
  callControlId: string;
  /** HTTP statuses the relay answered, in order. */
  statuses: number[];
  /** What the relay asked of this call (transfer, hangup…). */
  actions: string[];
  forwardedTo: string | null;
}

type Leg = { call_control_id: string; call_leg_id: string; call_session_id: string; from: string; to: string; direction: 'incoming' | 'outgoing'; client_state?: string };

/** A Call Control event as Telnyx sends it. */
export function voiceEvent(type: string, leg: Leg, at: Date, extra: Record<string, unknown> = {}) {
  return {
    data: {
      event_type: type,
      id: randomUUID(),
      occurred_at: at.toISOString(),
      record_type: 'event',
      payload: { connection_id: 'bayline-call-control', state: type === 'call.hangup' ? 'hangup' : 'parked', ...leg, ...extra },
    },
    meta: { attempt: 1, delivered_to: '/webhooks/telnyx/voice' },
  };
}

export async function postVoiceWebhook(relayUrl: string, signed: { body: string; headers: Record<string, string> }): Promise<number> {
  const res = await fetch(`${relayUrl}/webhooks/telnyx/voice`, { method: 'POST', headers: signed.headers, body: signed.body });
  await res.text();
  return res.status;
}

/** Plays one call through to its end (every webhook answered before the next is sent, as Telnyx does for one call). */
export async function placeCall(fake: FakeTelnyx, plan: VoiceCallPlan): Promise<VoiceCallResult> {
  const session = randomUUID();
  const a: Leg = { call_control_id: `v3:${randomUUID()}`, call_leg_id: randomUUID(), call_session_id: session, from: plan.from, to: plan.to, direction: 'incoming' };
  const t0 = plan.startedAt ?? new Date();
  const at = (s: number) => new Date(t0.getTime() + s * 1000);
  const statuses: number[] = [];
  const seen = fake.callActions().length;
  const send = async (event: ReturnType<typeof voiceEvent>) => {
    const signed = fake.sign(event);
    statuses.push(await postVoiceWebhook(plan.relayUrl, signed));
    if (plan.deliverTwice) statuses.push(await postVoiceWebhook(plan.relayUrl, signed));
  };
  const mine = () => fake.callActions().slice(seen).filter((x) => x.callControlId === a.call_control_id);

  await send(voiceEvent('call.initiated', a, t0, { start_time: t0.toISOString() }));
  const transfer = mine().find((x) => x.action === 'transfer');
  const ring = plan.ringSeconds ?? 6;
  const talk = plan.talkSeconds ?? 90;
  if (transfer) {
    const state = typeof transfer.body.client_state === 'string' ? transfer.body.client_state : undefined;
    const bState = typeof transfer.body.target_leg_client_state === 'string' ? transfer.body.target_leg_client_state : undefined;
    const aLeg: Leg = { ...a, ...(state ? { client_state: state } : {}) };
    const b: Leg = {
      call_control_id: `v3:${randomUUID()}`,
      call_leg_id: randomUUID(),
      call_session_id: session,
      from: plan.from,
      to: String(transfer.body.to),
      direction: 'outgoing',
      ...(bState ? { client_state: bState } : {}),
    };
    await send(voiceEvent('call.initiated', b, at(0), { start_time: at(0).toISOString() }));
    if (plan.answeredBy === 'shop') {
      await send(voiceEvent('call.answered', b, at(ring), { start_time: at(0).toISOString() }));
      await send(voiceEvent('call.bridged', aLeg, at(ring)));
      await send(voiceEvent('call.bridged', b, at(ring)));
      // The customer hangs up first: their leg, then the shop line's.
      await send(voiceEvent('call.hangup', aLeg, at(ring + talk), { start_time: t0.toISOString(), end_time: at(ring + talk).toISOString(), hangup_cause: 'normal_clearing', hangup_source: 'caller' }));
      await send(voiceEvent('call.hangup', b, at(ring + talk), { start_time: at(0).toISOString(), end_time: at(ring + talk).toISOString(), hangup_cause: 'normal_clearing', hangup_source: 'callee' }));
    } else {
      const timeout = Number(transfer.body.timeout_secs ?? 30);
      await send(voiceEvent('call.hangup', b, at(timeout), { start_time: at(0).toISOString(), end_time: at(timeout).toISOString(), hangup_cause: 'timeout', hangup_source: 'unknown' }));
      // Transfer failed: the caller's leg stays up until the relay hangs it up (or they give up).
      const end = mine().some((x) => x.action === 'hangup') ? timeout : timeout + 5;
      await send(voiceEvent('call.hangup', aLeg, at(end), { start_time: t0.toISOString(), end_time: at(end).toISOString(), hangup_cause: 'normal_clearing', hangup_source: 'callee' }));
    }
  } else {
    // No transfer (calls switched off): the caller's leg ends when the relay hangs up.
    await send(voiceEvent('call.hangup', a, at(1), { start_time: t0.toISOString(), end_time: at(1).toISOString(), hangup_cause: 'call_rejected', hangup_source: 'callee' }));
  }
  return {
    callSessionId: session,
    callControlId: a.call_control_id,
    statuses,
    actions: mine().map((x) => x.action),
    forwardedTo: transfer ? String(transfer.body.to) : null,
  };
}
