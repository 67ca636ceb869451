// The last step of check-in: "Print work order and tag". Printing (src-renderer/printing/) plugs in
// here; until it is on this desk the step says so plainly instead of offering a button that fails.
import type { RepairOrderDetail } from '../../src-shared/domain.js';

export function PrintSlot({ ro }: { ro: RepairOrderDetail }) {
  return (
    <section className="panel print-slot" aria-labelledby="print-heading">
      <h3 id="print-heading">Print work order and tag</h3>
      <p className="muted">
        Printing is not set up on this desk yet. The work order for RO {ro.roNumber} carries the customer&apos;s QR code; until printing is
        ready, copy the portal link above and send it to the customer.
      </p>
    </section>
  );
}
