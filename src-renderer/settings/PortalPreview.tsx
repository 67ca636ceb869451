// A small picture of the customer's status page with the shop's logo, colours and stage wording as
// they are being edited, so the owner sees what customers will see before saving.
import { STAGE_LABELS, STAGES, type Stage } from '../../src-shared/stages.js';

export function PortalPreview({
  name,
  phone,
  logoUrl,
  primary,
  accent,
  wording,
  stage = 'repair-started',
}: {
  name: string;
  phone: string;
  logoUrl: string | null;
  primary: string;
  accent: string;
  wording: Record<Stage, string>;
  stage?: Stage;
}) {
  const at = STAGES.indexOf(stage);
  return (
    <figure className="portal-preview" aria-label="Preview of the customer portal">
      <div className="pp-phone">
        <div className="pp-head" style={{ background: primary }}>
          {logoUrl ? <img src={logoUrl} alt="" className="pp-logo" /> : null}
          <span>{name || 'Your shop'}</span>
        </div>
        <div className="pp-body">
          <p className="pp-small">2019 Honda Accord · RO 1042</p>
          <p className="pp-stage" style={{ color: primary }}>
            {STAGE_LABELS[stage]}
          </p>
          <p className="pp-words">{wording[stage]}</p>
          <ol className="pp-steps">
            {STAGES.map((s, i) => (
              <li key={s} style={i <= at ? { background: i === at ? accent : primary } : undefined} title={STAGE_LABELS[s]} />
            ))}
          </ol>
          <p className="pp-small">Questions? Call {phone || 'the shop'}</p>
          <span className="pp-button" style={{ background: primary }}>
            Send a message
          </span>
        </div>
      </div>
      <figcaption className="muted small">What customers see on their phone (preview)</figcaption>
    </figure>
  );
}
