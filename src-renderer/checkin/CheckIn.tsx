// Check-in: one flow from the phone call or walk-in to the printed work order. Customer (found as
// you type, or new), vehicle (VIN check digit checked as you type), insurance, promised date; a
// warning when the car already has an open repair; then the portal link and printing.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../src-shared/api/errors.js';
import type { Customer, RepairOrderDetail, RepairOrderSummary } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { currencySymbol, deskCountry, deskWords, formatDay, formatPhone, messageOf, parseMoney, today } from '../shared/format.js';
import { parsePhone } from '../../src-shared/phone.js';
import { Problem } from '../shared/Notice.js';
import { PortalLinkBox } from '../repair-order/PortalLinkBox.js';
import { PrintSlot } from './PrintSlot.js';
import { leadPrefill } from '../scheduling/lead.js';

interface NewCustomer {
  firstName: string;
  lastName: string;
  mobile: string;
  email: string;
  /** The language the customer reads: '' = the shop's. */
  language: string;
}

interface VehicleForm {
  vin: string;
  plate: string;
  year: string;
  make: string;
  model: string;
  color: string;
}

interface ClaimForm {
  insurer: string;
  claimNumber: string;
  adjusterName: string;
  adjusterPhone: string;
  adjusterEmail: string;
  deductible: string;
  promisedDate: string;
}

const EMPTY_CUSTOMER: NewCustomer = { firstName: '', lastName: '', mobile: '', email: '', language: '' };
const EMPTY_VEHICLE: VehicleForm = { vin: '', plate: '', year: '', make: '', model: '', color: '' };
const EMPTY_CLAIM: ClaimForm = { insurer: '', claimNumber: '', adjusterName: '', adjusterPhone: '', adjusterEmail: '', deductible: '', promisedDate: '' };

export function CheckIn({ appointmentId }: { appointmentId?: string } = {}) {
  const { api, go, announce, shop } = useDesk();
  const [query, setQuery] = useState('');
  const [matches, setMatches] = useState<Customer[]>([]);
  const [chosen, setChosen] = useState<Customer | null>(null);
  const [customer, setCustomer] = useState<NewCustomer>(EMPTY_CUSTOMER);
  const [vehicle, setVehicle] = useState<VehicleForm>(EMPTY_VEHICLE);
  const [claim, setClaim] = useState<ClaimForm>(EMPTY_CLAIM);
  const [vinProblem, setVinProblem] = useState<string | null>(null);
  const [duplicates, setDuplicates] = useState<RepairOrderSummary[]>([]);
  const [allowDuplicate, setAllowDuplicate] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [fieldProblems, setFieldProblems] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [done, setDone] = useState<RepairOrderDetail | null>(null);
  const firstField = useRef<HTMLInputElement>(null);

  useEffect(() => firstField.current?.focus(), []);

  // A new customer's estimate request being checked in: its details fill the form.
  useEffect(() => {
    if (!appointmentId) return;
    void api.call('appointment-get', { id: appointmentId }).then((a) => {
      const p = leadPrefill(a);
      setCustomer({ ...p.customer, language: "" });
      setVehicle((v) => ({ ...v, ...p.vehicle }));
      setClaim((c) => ({ ...c, ...p.claim }));
      setQuery(p.query);
    }, (err) => setProblem(messageOf(err)));
  }, [api, appointmentId]);

  // Search as you type; an answer to an older query never replaces a newer one.
  const asked = useRef(0);
  useEffect(() => {
    const q = query.trim();
    if (q.length < 2 || chosen) {
      setMatches([]);
      return;
    }
    const n = ++asked.current;
    const timer = setTimeout(() => {
      api.call('customer-search', { q, limit: 6 }).then(
        (found) => n === asked.current && setMatches(found),
        () => undefined,
      );
    }, 120);
    return () => clearTimeout(timer);
  }, [api, query, chosen]);

  // The VIN's check digit, as soon as all 17 characters are there.
  useEffect(() => {
    const vin = vehicle.vin.trim();
    if (vin === '') return setVinProblem(null);
    if (vin.replace(/\s/g, '').length < 17) {
      setVinProblem(null);
      return;
    }
    let cancelled = false;
    api.call('vehicle-check-vin', { vin }).then(
      (r) => !cancelled && setVinProblem(r.ok ? null : r.problem),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [api, vehicle.vin]);

  // An open repair for the same VIN or plate.
  useEffect(() => {
    const vin = vehicle.vin.trim();
    const plate = vehicle.plate.trim();
    const vinReady = vin.length >= 17 && !vinProblem;
    if (!vinReady && plate.length < 2) return setDuplicates([]);
    let cancelled = false;
    const timer = setTimeout(() => {
      api.call('ro-find-duplicates', { vin: vinReady ? vin : null, plate: plate || null }).then(
        (found) => !cancelled && setDuplicates(found),
        () => undefined,
      );
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, vehicle.vin, vehicle.plate, vinProblem]);

  function pickCustomer(c: Customer) {
    setChosen(c);
    setQuery(`${c.firstName} ${c.lastName}`);
    setMatches([]);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!chosen) {
      if (!customer.firstName.trim()) problems['customer.firstName'] = 'Enter the customer’s first name.';
      if (!customer.lastName.trim()) problems['customer.lastName'] = 'Enter the customer’s last name.';
    }
    if (vinProblem) problems['vehicle.vin'] = vinProblem;
    const year = vehicle.year.trim() === '' ? null : Number(vehicle.year);
    if (year !== null && (!Number.isInteger(year) || year < 1900 || year > 2100)) problems['vehicle.year'] = 'Enter the year as four digits, e.g. 2019.';
    const deductible = parseMoney(claim.deductible);
    if (Number.isNaN(deductible)) problems.deductibleCents = `Enter the deductible in ${deskCountry().currency === 'GBP' ? 'pounds' : 'dollars'}, e.g. 500 or 500.00.`;
    if (duplicates.length > 0 && !allowDuplicate) problems.duplicate = 'This car already has an open repair: open it, or tick “This is a new repair” to go on.';
    setFieldProblems(problems);
    if (Object.keys(problems).length > 0) {
      setProblem('Some details need fixing before the car can be checked in; they are marked below.');
      return;
    }
    setSaving(true);
    setProblem(null);
    const t = (s: string) => (s.trim() === '' ? null : s.trim());
    try {
      const ro = await api.call('ro-check-in', {
        customer: chosen
          ? { id: chosen.id }
          : { firstName: customer.firstName.trim(), lastName: customer.lastName.trim(), mobile: t(customer.mobile), email: t(customer.email), language: customer.language === 'es' || customer.language === 'en' ? customer.language : null },
        vehicle: { vin: t(vehicle.vin), plate: t(vehicle.plate), year, make: t(vehicle.make), model: t(vehicle.model), color: t(vehicle.color) },
        insurer: t(claim.insurer),
        claimNumber: t(claim.claimNumber),
        adjusterName: t(claim.adjusterName),
        adjusterPhone: t(claim.adjusterPhone),
        adjusterEmail: t(claim.adjusterEmail),
        deductibleCents: deductible,
        promisedDate: t(claim.promisedDate),
        allowDuplicate,
      });
      if (appointmentId) await api.call('appointment-attach-ro', { id: appointmentId, roId: ro.id });
      announce(`RO ${ro.roNumber} checked in for ${ro.customerName}.`);
      setDone(ro);
    } catch (err) {
      if (err instanceof ApiError && err.field) setFieldProblems({ [err.field]: err.message });
      if (err instanceof ApiError && err.code === 'duplicate-open-ro' && Array.isArray(err.details)) setDuplicates(err.details as RepairOrderSummary[]);
      setProblem(messageOf(err));
    } finally {
      setSaving(false);
    }
  }

  // A landline (or a toll-free line) cannot receive texts: said as soon as it is typed or chosen.
  const typedRead = !chosen && customer.mobile.trim() !== '' ? parsePhone(customer.mobile, deskCountry().code) : null;
  const typedNoTexts = chosen
    ? chosen.mobileKind === 'landline' && chosen.mobile
      ? `${formatPhone(chosen.mobile)} is a landline: it cannot receive texts.`
      : null
    : typedRead?.ok
      ? typedRead.noTexts
      : null;

  if (done) {
    return (
      <div className="screen checkin-done">
        <h2 className="screen-title">RO {done.roNumber} is checked in</h2>
        <p>
          {done.customerName} · {done.vehicle || 'vehicle not entered'}
          {done.plate ? ` · ${done.plate}` : ''}
          {done.promisedDate ? ` · promised ${formatDay(done.promisedDate, true)}` : ''}
        </p>
        <div className="two-col">
          <PortalLinkBox ro={done} onChanged={setDone} />
          <PrintSlot ro={done} />
        </div>
        <div className="actions">
          <button type="button" className="primary" onClick={() => go({ name: 'repair-order', id: done.id })}>
            Open RO {done.roNumber}
          </button>
          <button
            type="button"
            onClick={() => {
              setDone(null);
              setChosen(null);
              setQuery('');
              setCustomer(EMPTY_CUSTOMER);
              setVehicle(EMPTY_VEHICLE);
              setClaim(EMPTY_CLAIM);
              setAllowDuplicate(false);
            }}
          >
            Check in another car
          </button>
          <button type="button" onClick={() => go({ name: 'board' })}>
            Back to the board
          </button>
        </div>
      </div>
    );
  }

  const fp = (field: string) => fieldProblems[field];
  return (
    <form className="screen checkin" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="checkin-title">
      <h2 id="checkin-title" className="screen-title">
        Check a car in
      </h2>
      <Problem text={problem} />
      <div className="checkin-grid">
        <fieldset className="panel">
          <legend>Customer</legend>
          <label className="field">
            <span>Find a customer (name or phone)</span>
            <input
              ref={firstField}
              type="search"
              value={query}
              autoComplete="off"
              aria-controls={matches.length > 0 ? 'customer-matches' : undefined}
              onChange={(e) => {
                setQuery(e.target.value);
                setChosen(null);
              }}
            />
          </label>
          {matches.length > 0 ? (
            <ul id="customer-matches" className="pick-list" aria-label="Customers found">
              {matches.map((c) => (
                <li key={c.id}>
                  <button type="button" onClick={() => pickCustomer(c)}>
                    <strong>
                      {c.firstName} {c.lastName}
                    </strong>
                    {c.mobile ? <span className="muted"> · {formatPhone(c.mobile)}</span> : null}
                    {c.email ? <span className="muted"> · {c.email}</span> : null}
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          {chosen ? (
            <p className="chosen" role="status">
              Returning customer: <strong>{`${chosen.firstName} ${chosen.lastName}`}</strong>
              {chosen.mobile ? ` · ${formatPhone(chosen.mobile)}` : ''}{' '}
              <button type="button" className="quiet" onClick={() => { setChosen(null); setQuery(''); }}>
                Not them: new customer
              </button>
            </p>
          ) : (
            <>
              <p className="muted small">Not found? Enter a new customer:</p>
              <div className="row">
                <Field label="First name" value={customer.firstName} problem={fp('customer.firstName')} onChange={(v) => setCustomer({ ...customer, firstName: v })} autoComplete="off" />
                <Field label="Last name" value={customer.lastName} problem={fp('customer.lastName')} onChange={(v) => setCustomer({ ...customer, lastName: v })} autoComplete="off" />
              </div>
              <div className="row">
                <Field label="Mobile" type="tel" value={customer.mobile} problem={fp('customer.mobile')} onChange={(v) => setCustomer({ ...customer, mobile: v })} />
                <Field label="Email" type="email" value={customer.email} problem={fp('customer.email')} onChange={(v) => setCustomer({ ...customer, email: v })} />
              </div>
              {typedNoTexts ? (
                <p className="notice notice-problem" role="status">
                  {typedNoTexts} This repair will not be offered texts; add a mobile number to text the customer.
                </p>
              ) : null}
              <div className="field">
                <label htmlFor="f-customer-language">Customer reads</label>
                <select id="f-customer-language" value={customer.language} onChange={(e) => setCustomer({ ...customer, language: e.target.value })}>
                  <option value="">The shop's language</option>
                  <option value="en">English</option>
                  {/* Spanish when the shop offers it (Settings → Customer languages), or the customer already reads it. */}
                  {shop?.customerLanguages.includes('es') || customer.language === 'es' ? <option value="es">Spanish (Español)</option> : null}
                </select>
                <span className="muted small">Their page, texts and printed papers use this language.</span>
              </div>
            </>
          )}
        </fieldset>

        <fieldset className="panel">
          <legend>Vehicle</legend>
          <Field label="VIN" value={vehicle.vin} problem={fp('vehicle.vin') ?? vinProblem ?? undefined} onChange={(v) => setVehicle({ ...vehicle, vin: v.toUpperCase() })} maxLength={40} autoComplete="off" />
          <div className="row">
            <Field label={deskWords().plate} value={vehicle.plate} problem={fp('vehicle.plate')} onChange={(v) => setVehicle({ ...vehicle, plate: v.toUpperCase() })} autoComplete="off" />
            <Field label="Year" value={vehicle.year} problem={fp('vehicle.year')} onChange={(v) => setVehicle({ ...vehicle, year: v })} inputMode="numeric" maxLength={4} />
          </div>
          <div className="row">
            <Field label="Make" value={vehicle.make} onChange={(v) => setVehicle({ ...vehicle, make: v })} />
            <Field label="Model" value={vehicle.model} onChange={(v) => setVehicle({ ...vehicle, model: v })} />
            <Field label={deskWords().color} value={vehicle.color} onChange={(v) => setVehicle({ ...vehicle, color: v })} />
          </div>
          {duplicates.length > 0 ? (
            <div className="warning" role="alert">
              <p>
                <strong>This car already has an open repair:</strong>
              </p>
              <ul>
                {duplicates.map((d) => (
                  <li key={d.id}>
                    <button type="button" className="link" onClick={() => go({ name: 'repair-order', id: d.id })}>
                      RO {d.roNumber}
                    </button>{' '}
                    · {d.customerName} · {d.vehicle} {d.plate ? `· ${d.plate}` : ''}
                  </li>
                ))}
              </ul>
              <label className="check">
                <input type="checkbox" checked={allowDuplicate} onChange={(e) => setAllowDuplicate(e.target.checked)} />
                This is a new repair for the same car: check it in anyway
              </label>
              {fp('duplicate') ? <p className="field-problem">{fp('duplicate')}</p> : null}
            </div>
          ) : null}
        </fieldset>

        <fieldset className="panel">
          <legend>{deskWords().insuranceAndDates}</legend>
          <div className="row">
            <Field label={deskWords().insurer} value={claim.insurer} onChange={(v) => setClaim({ ...claim, insurer: v })} />
            <Field label="Claim number" value={claim.claimNumber} onChange={(v) => setClaim({ ...claim, claimNumber: v })} autoComplete="off" />
          </div>
          <div className="row">
            <Field label={deskWords().adjuster} value={claim.adjusterName} onChange={(v) => setClaim({ ...claim, adjusterName: v })} />
            <Field label={deskWords().adjusterPhone} type="tel" value={claim.adjusterPhone} onChange={(v) => setClaim({ ...claim, adjusterPhone: v })} />
          </div>
          <Field label={deskWords().adjusterEmail} type="email" value={claim.adjusterEmail} problem={fp('adjusterEmail')} onChange={(v) => setClaim({ ...claim, adjusterEmail: v })} />
          <div className="row">
            <Field label={`${deskWords().deductible} (${currencySymbol()})`} value={claim.deductible} problem={fp('deductibleCents')} onChange={(v) => setClaim({ ...claim, deductible: v })} inputMode="decimal" />
            <Field label="Promised date" type="date" value={claim.promisedDate} problem={fp('promisedDate')} onChange={(v) => setClaim({ ...claim, promisedDate: v })} min={today()} />
          </div>
        </fieldset>
      </div>
      <div className="actions sticky-actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Checking in…' : 'Check in'}
        </button>
        <button type="button" onClick={() => go({ name: 'board' })}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function Field({
  label,
  value,
  onChange,
  problem,
  type = 'text',
  ...rest
}: {
  label: string;
  value: string;
  onChange(value: string): void;
  problem?: string | undefined;
  type?: string;
  maxLength?: number;
  autoComplete?: string;
  inputMode?: 'numeric' | 'decimal' | 'text';
  min?: string;
  list?: string;
}) {
  const id = `f-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={value}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onChange={(e) => onChange(e.target.value)}
        {...rest}
      />
      {problem ? (
        <p id={`${id}-problem`} className="field-problem">
          {problem}
        </p>
      ) : null}
    </div>
  );
}
