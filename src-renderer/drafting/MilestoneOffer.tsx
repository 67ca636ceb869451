// After a move to a milestone stage (Supplement approved, Completed, Delivered): the offer to draft
// a message to the customer. Pressing it fills the text composer with a streamed draft; nothing is
// sent until a person presses Send there.
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { STAGE_LABELS, type Stage } from '../../src-shared/stages.js';

export interface MilestoneAsk {
  stage: Stage;
  /** A new number for each press, so the composer drafts again when asked again. */
  n: number;
}

export function MilestoneOffer({ ro, stage, onDraft, onDismiss }: { ro: RepairOrderDetail; stage: Stage; onDraft(): void; onDismiss(): void }) {
  const canText = Boolean(ro.customer.mobile) && !ro.customer.smsOptedOut;
  return (
    <div className="panel milestone-offer" role="group" aria-label="Tell the customer">
      <p>
        <strong>{STAGE_LABELS[stage]}</strong> is a moment {ro.customer.firstName} will want to hear about.
        {canText ? ` The draft goes in “Text ${ro.customer.firstName}” for you to read and edit; nothing is sent until you press Send.` : ` ${ro.customer.firstName} gets no texts; write from “Email about this repair”.`}
      </p>
      <div className="actions">
        {canText ? (
          <button type="button" className="primary" onClick={onDraft}>
            Draft a message to the customer
          </button>
        ) : null}
        <button type="button" onClick={onDismiss}>
          Not now
        </button>
      </div>
    </div>
  );
}
