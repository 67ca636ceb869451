// Settings: stored phone numbers read again in the shop's country (issue 22). Opening the panel
// runs the check (it changes only what it can improve, so a second run does nothing) and lists
// the numbers left as they were, with why, for someone to fix on the customer.
import { useEffect, useState } from 'react';
import type { PhoneCheckReport } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf, plural } from '../shared/format.js';

export function PhoneCheck() {
  const { api, shop } = useDesk();
  const [report, setReport] = useState<PhoneCheckReport | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    api.call('phone-check', {}).then(setReport, (err: unknown) => setProblem(messageOf(err)));
  }, [api, shop?.country]);
  return (
    <section className="panel" aria-labelledby="phone-check-heading">
      <h3 id="phone-check-heading">Customers’ phone numbers</h3>
      {problem ? <p className="notice notice-problem">{problem}</p> : null}
      {!report ? <p className="muted">Checking stored numbers…</p> : null}
      {report ? (
        <p>
          {plural(report.checked, 'stored number')} read for this country{report.updated > 0 ? `; ${report.updated} rewritten in full international form` : ''}.{' '}
          {report.unreadable.length === 0 ? 'Every one can be read.' : `${plural(report.unreadable.length, 'number')} could not be read and ${report.unreadable.length === 1 ? 'was' : 'were'} left as typed:`}
        </p>
      ) : null}
      {report && report.unreadable.length > 0 ? (
        <ul className="phone-unreadable">
          {report.unreadable.map((u) => (
            <li key={u.customerId}>
              <strong>{u.name || 'A customer'}</strong> · {u.mobile} — {u.problem}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
