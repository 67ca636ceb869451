// The repair's documents and photos as checkboxes, for the files a mail carries: each with its
// size, the total against the most one mail can carry, and a plain sentence when it is over.
import type { Attachment } from '../../src-shared/domain.js';
import { MAX_EMAIL_ATTACHMENT_BYTES } from '../../src-shared/email/templates.js';
import { fileSize } from './MailAttachments.js';

/** A file's size as a person reads it: "59 KB", "2.4 MB" (never "0.0 MB"). */
export const megabytes = (n: number) => fileSize(n);

export function attachmentsTooLarge(files: Attachment[], chosen: string[]): number | null {
  const total = files.filter((f) => chosen.includes(f.id)).reduce((n, f) => n + f.sizeBytes, 0);
  return total > MAX_EMAIL_ATTACHMENT_BYTES ? total : null;
}

export function DocumentPicker({ files, chosen, onChange }: { files: Attachment[]; chosen: string[]; onChange(ids: string[]): void }) {
  if (files.length === 0) return <p className="muted small">This repair has no documents or photos to attach yet.</p>;
  const total = files.filter((f) => chosen.includes(f.id)).reduce((n, f) => n + f.sizeBytes, 0);
  const over = total > MAX_EMAIL_ATTACHMENT_BYTES;
  return (
    <fieldset className="document-picker">
      <legend>Attach from this repair</legend>
      <ul className="plain-list">
        {files.map((f) => (
          <li key={f.id}>
            <label className="field-inline">
              <input
                type="checkbox"
                checked={chosen.includes(f.id)}
                onChange={(e) => onChange(e.target.checked ? [...chosen, f.id] : chosen.filter((id) => id !== f.id))}
              />{' '}
              {f.fileName} <span className="muted small">({f.kind === 'photo' ? 'photo' : 'document'}, {megabytes(f.sizeBytes)})</span>
            </label>
          </li>
        ))}
      </ul>
      {chosen.length > 0 ? (
        <p className={over ? 'field-problem' : 'muted small'} role={over ? 'alert' : undefined}>
          {over
            ? `The chosen files come to ${megabytes(total)}; one email can carry at most ${megabytes(MAX_EMAIL_ATTACHMENT_BYTES)}. Leave some out and send them in a second email.`
            : `${chosen.length === 1 ? '1 file' : `${chosen.length} files`}, ${megabytes(total)} of ${megabytes(MAX_EMAIL_ATTACHMENT_BYTES)}.`}
        </p>
      ) : null}
    </fieldset>
  );
}
