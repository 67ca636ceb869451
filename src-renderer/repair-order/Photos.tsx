// The repair's photos and documents: thumbnails (from the desk's own file store), the
// "show on portal" switch, and adding files from this PC by drag and drop or by choosing them.
// Photos from the bay camera and the customer arrive through sync and appear by themselves.
import { type DragEvent, useRef, useState } from 'react';
import type { Attachment, RepairOrderDetail } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoment, messageOf, plural } from '../shared/format.js';
import { useFileUrl } from '../shared/use-file-url.js';
import { FieldProblem } from '../shared/Notice.js';

const SOURCE: Record<Attachment['source'], string> = { desk: 'Desk', bay: 'Bay camera', customer: 'Customer', email: 'Email' };
const ACCEPT = 'image/jpeg,image/png,image/webp,image/heic,application/pdf';

export function Photos({ ro, onChanged }: { ro: RepairOrderDetail; onChanged(ro: RepairOrderDetail): void }) {
  const { api, announce } = useDesk();
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [publishNew, setPublishNew] = useState(true);
  const input = useRef<HTMLInputElement>(null);
  const photos = ro.attachments.filter((a) => a.kind === 'photo');
  const documents = ro.attachments.filter((a) => a.kind === 'document');

  async function add(files: File[]) {
    if (files.length === 0) return;
    setProblem(null);
    let latest: RepairOrderDetail | null = null;
    const refused: string[] = [];
    for (const [i, file] of files.entries()) {
      setBusy(`Adding ${file.name} (${i + 1} of ${files.length})…`);
      try {
        const stored = await api.files.upload(file, file.type || 'application/octet-stream');
        const isPdf = file.type === 'application/pdf' || /\.pdf$/i.test(file.name);
        // The desk may have stored another type than the file's (an iPhone's HEIC becomes a JPEG).
        const converted = stored.mimeType === 'image/jpeg' && !/^image\/jpe?g$/.test(file.type);
        latest = await api.call('attachment-add', {
          roId: ro.id,
          kind: isPdf ? 'document' : 'photo',
          blobHash: stored.hash,
          fileName: (converted ? file.name.replace(/\.[^.]*$/, '') + '.jpg' : file.name).slice(0, 255) || 'photo.jpg',
          mimeType: stored.mimeType ?? (file.type || (isPdf ? 'application/pdf' : 'image/jpeg')),
          sizeBytes: stored.sizeBytes,
          published: isPdf ? false : publishNew,
        });
      } catch (err) {
        refused.push(`${file.name}: ${messageOf(err)}`);
      }
    }
    setBusy(null);
    if (latest) {
      onChanged(latest);
      announce(`${plural(files.length - refused.length, 'file')} added to RO ${ro.roNumber}.`);
    }
    if (refused.length > 0) setProblem(`Not added: ${refused.join(' ')}`);
  }

  function drop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    void add([...e.dataTransfer.files]);
  }

  async function setPublished(a: Attachment, published: boolean) {
    try {
      onChanged(await api.call('attachment-set-published', { id: a.id, published }));
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  async function setShared(a: Attachment, shared: boolean) {
    try {
      onChanged(await api.call('attachment-set-shared', { id: a.id, shared }));
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  const shareBox = (a: Attachment) => (
    <label className="check small">
      <input type="checkbox" checked={a.sharedWithInsurer ?? false} onChange={(e) => void setShared(a, e.target.checked)} />
      Share with insurer
      <span className="visually-hidden"> ({a.fileName})</span>
    </label>
  );

  return (
    <section className="panel" aria-labelledby="photos-heading">
      <h3 id="photos-heading">
        Photos <span className="muted">({photos.length})</span>
      </h3>
      <div
        className={over ? 'dropzone over' : 'dropzone'}
        onDragOver={(e) => {
          if (!e.dataTransfer.types.includes('Files')) return;
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <p>Drop photos or PDFs here, or</p>
        <button type="button" onClick={() => input.current?.click()}>
          Choose files…
        </button>
        <input
          ref={input}
          type="file"
          multiple
          accept={ACCEPT}
          className="visually-hidden"
          aria-label="Add photos or documents from this PC"
          onChange={(e) => {
            void add([...(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
        <label className="check small">
          <input type="checkbox" checked={publishNew} onChange={(e) => setPublishNew(e.target.checked)} />
          Show new photos on the portal
        </label>
      </div>
      {busy ? <p role="status">{busy}</p> : null}
      <FieldProblem text={problem} />
      {photos.length === 0 ? (
        <p className="muted">No photos yet. Photos from the bay camera appear here as they are taken.</p>
      ) : (
        <ul className="photo-grid" aria-label="Photos on this repair">
          {photos.map((a) => (
            <li key={a.id}>
              <Thumb attachment={a} />
              <p className="small">
                {SOURCE[a.source]} · {formatMoment(a.addedAt)}
              </p>
              <label className="check small">
                <input type="checkbox" checked={a.published} onChange={(e) => void setPublished(a, e.target.checked)} />
                {a.published ? 'On the portal' : 'Internal'}
                <span className="visually-hidden"> ({a.fileName})</span>
              </label>
              {shareBox(a)}
            </li>
          ))}
        </ul>
      )}
      <h3 id="documents-heading">Documents</h3>
      {documents.length === 0 ? (
        <p className="muted">No documents yet.</p>
      ) : (
        <ul className="doc-list" aria-labelledby="documents-heading">
          {documents.map((a) => (
            <li key={a.id}>
              <DocLink attachment={a} /> <span className="muted small">· {SOURCE[a.source]} · {formatMoment(a.addedAt)}</span> {shareBox(a)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Thumb({ attachment }: { attachment: Attachment }) {
  const { api } = useDesk();
  const { url, missing } = useFileUrl(api, attachment.blobHash, attachment.mimeType, attachment.id);
  if (url) return <img src={url} alt={attachment.caption ?? attachment.fileName} className="thumb" loading="lazy" />;
  return <div className="thumb thumb-missing">{missing ? 'Arriving from the other desks…' : 'Loading…'}</div>;
}

function DocLink({ attachment }: { attachment: Attachment }) {
  const { api } = useDesk();
  const { url, missing } = useFileUrl(api, attachment.blobHash, attachment.mimeType || 'application/pdf');
  if (!url) return <span>{attachment.fileName} {missing ? '(arriving from the other desks)' : ''}</span>;
  return (
    <a href={url} target="_blank" rel="noreferrer" download={attachment.fileName}>
      {attachment.fileName}
    </a>
  );
}
