// A mail in the repair's conversation with what came with it: its body (email/MailBody.tsx, with
// the pictures the mail carries for its `cid:` references, read from the desk's own file store,
// never from the internet), the files kept as the repair's documents and photos (name, size, open
// or download), the files Bayline did not keep and why, and what else the relay noted when filing
// it (a bounce, a long list of recipients cut short, parts that could not be read). The notes are
// the lines of the mail's `statusDetail` the relay wrote (relay/email/inbound.ts).
import { useEffect, useState } from 'react';
import type { Attachment, Message } from '../../src-shared/domain.js';
import { MailBody } from '../email/MailBody.js';
import { useDesk } from '../shared/desk-context.js';
import { useFileUrl } from '../shared/use-file-url.js';

/** "2.4 MB", "310 KB": how a person reads a file's size. */
export function fileSize(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (mb >= 1) return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

const isInline = (a: Attachment) => (a.caption ?? '').startsWith('cid:');

/** The relay's notes on a received mail, split into the bounce line, files not kept, and the rest. */
export function mailNotes(m: Message): { notDelivered: string | null; notKept: string[]; other: string[] } {
  const lines = m.direction === 'in' && m.statusDetail ? m.statusDetail.split('\n').filter((l) => l.trim()) : [];
  return {
    notDelivered: lines.find((l) => l.startsWith('Not delivered: '))?.slice('Not delivered: '.length) ?? null,
    notKept: lines.filter((l) => l.startsWith('Not kept: ')).map((l) => l.slice('Not kept: '.length)),
    other: lines.filter((l) => !l.startsWith('Not delivered: ') && !l.startsWith('Not kept: ')),
  };
}

/** Content-ID → blob: URL of the pictures the mail carries, once the desk has them (asked again while some are still arriving). */
function useInlineImages(files: Attachment[]): Record<string, string> | undefined {
  const { api } = useDesk();
  const [urls, setUrls] = useState<Record<string, string> | undefined>(undefined);
  const key = files.map((f) => f.blobHash).join(',');
  useEffect(() => {
    if (files.length === 0) return;
    let cancelled = false;
    let retry: ReturnType<typeof setTimeout> | null = null;
    const made: string[] = [];
    const load = async (attempt: number) => {
      const pairs = await Promise.all(
        files.map(async (f) => {
          const bytes = await api.files.read(f.blobHash).catch(() => null);
          if (!bytes || cancelled) return null;
          const url = URL.createObjectURL(new Blob([bytes], { type: f.mimeType }));
          made.push(url);
          return [f.caption!.slice(4), url] as const;
        }),
      );
      if (cancelled) return;
      const found = pairs.filter((p): p is readonly [string, string] => p !== null);
      setUrls(Object.fromEntries(found));
      if (found.length < files.length && attempt < 12) retry = setTimeout(() => void load(attempt + 1), Math.min(500 * 2 ** attempt, 15_000));
    };
    void load(0);
    return () => {
      cancelled = true;
      if (retry) clearTimeout(retry);
      for (const url of made) URL.revokeObjectURL(url);
    };
  }, [api, key]);
  return urls;
}

function FileLinks({ file }: { file: Attachment }) {
  const { api } = useDesk();
  const { url, missing } = useFileUrl(api, file.blobHash, file.mimeType, file.id);
  return (
    <li className="mail-file">
      <span className="mail-file-name">{file.fileName}</span> <span className="muted small">· {fileSize(file.sizeBytes)}</span>{' '}
      {url ? (
        <>
          <a href={url} target="_blank" rel="noreferrer" aria-label={`Open ${file.fileName}`}>
            Open
          </a>{' '}
          <a href={url} download={file.fileName} aria-label={`Download ${file.fileName}`}>
            Download
          </a>
        </>
      ) : (
        <span className="muted small">{missing ? 'arriving from the relay…' : 'loading…'}</span>
      )}
    </li>
  );
}

/** A mail's body, its files, and what was not kept. */
export function MailWithFiles({ m }: { m: Message }) {
  const inline = m.attachments.filter(isInline);
  const files = m.attachments.filter((a) => !isInline(a));
  const inlineImages = useInlineImages(inline);
  const notes = mailNotes(m);
  return (
    <>
      {notes.notDelivered ? (
        <p className="mail-bounce text-state text-state-trouble" role="note">
          <span aria-hidden="true">⚠ </span>Not delivered: {notes.notDelivered}
        </p>
      ) : null}
      <MailBody key={m.id} html={m.email?.html ?? null} text={m.body} inlineImages={inlineImages} label={m.email?.subject || 'Mail message'} />
      {files.length > 0 || notes.notKept.length > 0 ? (
        <ul className="message-files mail-files" aria-label="Files with this email">
          {files.map((f) => (
            <FileLinks key={f.id} file={f} />
          ))}
          {notes.notKept.map((line) => (
            <li key={line} className="mail-file mail-file-refused">
              <span aria-hidden="true">⚠ </span>Not kept: {line}
            </li>
          ))}
        </ul>
      ) : null}
      {notes.other.map((line) => (
        <p key={line} className="text-detail">
          {line}
        </p>
      ))}
    </>
  );
}
