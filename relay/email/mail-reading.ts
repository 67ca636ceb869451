// Reading one raw mail for filing (./inbound.ts): headers, text, HTML and its files, with
// mailparser's streaming MailParser so no file is ever held whole in memory. Each attachment is
// decoded chunk by chunk into a temp file while it is hashed and counted; past the per-file cap
// (or the whole mail's) the rest of it is read and thrown away, and it is refused with the reason.
// A delivery report's machine parts (message/delivery-status, the returned headers) are kept in
// memory, capped, for ./bounces.ts. Damaged input never throws: what could be read is returned,
// and when the parser gives up entirely, the headers and body are taken from the raw bytes.
import { createHash, randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { type AddressObject, type AttachmentStream, type HeaderValue, MailParser, type MessageText } from 'mailparser';

/** One file of the mail as read: kept in `tempFile` (the caller moves or deletes it), or refused. */
export interface ReadFile {
  fileName: string;
  /** What the sender declared (never trusted: the first bytes decide). */
  declaredType: string;
  size: number;
  /** Content-ID without <>, when the HTML refers to it as `cid:`. */
  cid: string | null;
  /** Inside multipart/related with a Content-ID: a picture the HTML shows, not a file sent along. */
  inline: boolean;
  tempFile: string | null;
  sha256: string | null;
  /** The first bytes, to tell what it is. */
  head: Buffer;
  /** Why it was not kept, in the shop's words. */
  refused: string | null;
}

export interface ReadMail {
  headers: Map<string, HeaderValue>;
  subject: string;
  from: AddressObject | undefined;
  to: AddressObject | AddressObject[] | undefined;
  cc: AddressObject | AddressObject[] | undefined;
  messageId: string | null;
  inReplyTo: string | null;
  references: string | null;
  date: Date | null;
  text: string;
  html: string | null;
  files: ReadFile[];
  /** Delivery-report parts (message/delivery-status, returned headers), each capped at 64 KB. */
  reportParts: Array<{ type: string; text: string }>;
  /** What went wrong reading it, if anything (the mail is filed with what could be read). */
  damage: string | null;
}

export interface ReadLimits {
  /** Largest file kept (bytes). */
  perFile: number;
  /** Most bytes of files kept from one mail. */
  perMail: number;
  /** Most files kept from one mail. */
  maxFiles: number;
}

/** Parts a delivery report is made of: read for ./bounces.ts, never offered as files. */
export const REPORT_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status', 'text/rfc822-headers', 'message/rfc822-headers', 'message/disposition-notification']);
const REPORT_PART_BYTES = 64 * 1024;
const HEAD_BYTES = 64;
/** How much of the raw mail is handed to the parser at a time. */
const FEED_BYTES = 64 * 1024;
/** A parser that neither ends nor fails in this long is given up (what was read so far is kept). */
const PARSE_TIMEOUT_MS = 60_000;

export function formatSize(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (mb >= 1) return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/**
 * Reads the mail. `tempDir` null: no file is kept (the relay has no blob folder), each is refused
 * with `noStorage` as the reason.
 */
export async function readMail(raw: Buffer, tempDir: string | null, limits: ReadLimits, noStorage = 'this relay has no file storage'): Promise<ReadMail> {
  const parser = new MailParser({ skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, keepDeliveryStatus: true, checksumAlgo: false });
  const files: ReadFile[] = [];
  const reportParts: ReadMail['reportParts'] = [];
  let headers: Map<string, HeaderValue> | null = null;
  let body: MessageText | null = null;
  let kept = 0;
  let keptBytes = 0;
  const pending: Array<Promise<void>> = [];
  if (tempDir) await fsp.mkdir(tempDir, { recursive: true });

  const takeAttachment = async (a: AttachmentStream) => {
    const type = (a.contentType || 'application/octet-stream').toLowerCase();
    if (REPORT_TYPES.has(type) && !a.filename) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of a.content as AsyncIterable<Buffer>) {
        if (size < REPORT_PART_BYTES) chunks.push(chunk.subarray(0, REPORT_PART_BYTES - size));
        size += chunk.length;
      }
      reportParts.push({ type, text: Buffer.concat(chunks).toString('utf8') });
      return;
    }
    const file: ReadFile = {
      fileName: cleanName(a.filename, type, files.length + 1),
      declaredType: type,
      size: 0,
      cid: a.cid ?? null,
      inline: Boolean(a.related && a.cid),
      tempFile: null,
      sha256: null,
      head: Buffer.alloc(0),
      refused: null,
    };
    files.push(file);
    const hash = createHash('sha256');
    let handle: fsp.FileHandle | null = null;
    let dropped = false;
    const drop = async (why: string) => {
      dropped = true;
      file.refused ??= why;
      if (handle) await handle.close().catch(() => undefined);
      handle = null;
      if (file.tempFile) await fsp.rm(file.tempFile, { force: true });
      file.tempFile = null;
    };
    if (!tempDir) await drop(noStorage);
    else if (kept >= limits.maxFiles) await drop(`more than ${limits.maxFiles} files in one mail`);
    else {
      kept += 1;
      file.tempFile = path.join(tempDir, `${randomUUID()}.part`);
      handle = await fsp.open(file.tempFile, 'wx');
    }
    try {
      for await (const chunk of a.content as AsyncIterable<Buffer>) {
        file.size += chunk.length;
        if (file.head.length < HEAD_BYTES) file.head = Buffer.concat([file.head, chunk.subarray(0, HEAD_BYTES - file.head.length)]);
        if (dropped) continue;
        if (file.size > limits.perFile) {
          await drop(`larger than ${formatSize(limits.perFile)}`);
          continue;
        }
        if (keptBytes + file.size > limits.perMail) {
          await drop(`the mail's files together pass ${formatSize(limits.perMail)}`);
          continue;
        }
        hash.update(chunk);
        await writeAll(handle!, chunk);
      }
      if (!dropped) {
        await handle!.close();
        handle = null;
        keptBytes += file.size;
        file.sha256 = hash.digest('hex');
        if (file.size === 0) await drop('the file is empty');
      }
    } catch {
      await drop('the file is damaged in the mail');
    }
  };

  let damage: string | null = null;
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      damage ??= 'reading it took too long';
      finish();
    }, PARSE_TIMEOUT_MS);
    timer.unref();
    parser.on('headers', (h: Map<string, HeaderValue>) => {
      headers = h;
    });
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        body = data;
        return;
      }
      pending.push(
        takeAttachment(data).finally(() => {
          data.release?.();
        }),
      );
    });
    parser.on('error', (err: Error) => {
      damage ??= err.message.slice(0, 200);
      finish();
    });
    parser.on('end', finish);
    // Fed in slices, waiting whenever the parser is full: its buffers (and the decoded file ahead
    // of the disk) stay small instead of holding a second copy of the whole mail.
    void (async () => {
      try {
        for (let at = 0; at < raw.length && !done; at += FEED_BYTES) {
          if (!parser.write(raw.subarray(at, at + FEED_BYTES))) {
            await new Promise<void>((go) => {
              const check = setInterval(() => done && stop(), 200);
              const stop = () => {
                clearInterval(check);
                parser.off('drain', stop);
                go();
              };
              parser.once('drain', stop);
            });
          }
        }
        if (!done) parser.end();
      } catch (err) {
        damage ??= (err as Error).message.slice(0, 200);
        finish();
      }
    })();
  });
  await Promise.allSettled(pending);
  for (const f of files) {
    // A file still being read when the parser stopped is not complete: not kept.
    if (f.tempFile && !f.sha256) {
      await fsp.rm(f.tempFile, { force: true });
      f.tempFile = null;
      f.refused ??= 'the file is damaged in the mail';
    }
  }

  const h: Map<string, HeaderValue> = headers ?? rawHeaders(raw);
  let text = (body as MessageText | null)?.text || (headers ? '' : rawBody(raw));
  const html = (body as MessageText | null)?.html;
  if (!text && !html && files.length === 0 && reportParts.length === 0) {
    // Nothing came out of the parts (a boundary that never appears): the body as it is, without MIME lines.
    const loose = rawBody(raw)
      .split(/\r?\n/)
      .filter((line) => !/^--\S*\s*$/.test(line) && !/^content-[\w-]+:/i.test(line))
      .join('\n')
      .trim();
    if (loose) {
      text = loose;
      damage ??= 'its parts could not be told apart';
    }
  }
  const get = <T>(name: string): T | undefined => h.get(name) as T | undefined;
  const refs = get<string | string[]>('references');
  const date = get<Date | string>('date');
  const parsedDate = date instanceof Date ? date : typeof date === 'string' ? new Date(date) : null;
  return {
    headers: h,
    subject: String(get<string>('subject') ?? ''),
    from: addressOf(get('from')),
    to: get('to'),
    cc: get('cc'),
    messageId: firstId(get<string>('message-id')),
    inReplyTo: firstId(get<string>('in-reply-to')),
    references: Array.isArray(refs) ? refs.join(' ') : (refs ?? null),
    date: parsedDate && !Number.isNaN(parsedDate.getTime()) ? parsedDate : null,
    text: typeof text === 'string' ? text : '',
    html: typeof html === 'string' && html ? html : null,
    files,
    reportParts,
    damage,
  };
}

function addressOf(v: unknown): AddressObject | undefined {
  if (Array.isArray(v)) return v[0] as AddressObject | undefined;
  return v && typeof v === 'object' && 'value' in v ? (v as AddressObject) : undefined;
}

function firstId(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  return /<[^<>\s]+>/.exec(v)?.[0] ?? (v.trim() || null);
}

/** A file name a person can read: the sender's, without folders or control characters, or one made up from its type. */
function cleanName(name: string | undefined, type: string, n: number): string {
  const base = (name ?? '').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  if (base) return base;
  const ext = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/heic': 'heic', 'text/plain': 'txt' }[type];
  return `attachment-${n}${ext ? `.${ext}` : ''}`;
}

/** The header block as the parser would have given it, when it could not: unfolded, plain strings. */
function rawHeaders(raw: Buffer): Map<string, HeaderValue> {
  const text = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n[ \t]+/g, ' ');
  const map = new Map<string, HeaderValue>();
  for (const line of head.split(/\r?\n/)) {
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (m && !map.has(m[1]!.toLowerCase())) map.set(m[1]!.toLowerCase(), m[2]!.trim());
  }
  return map;
}

function rawBody(raw: Buffer): string {
  const text = raw.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  return end >= 0 ? text.slice(end).trim() : '';
}

/** A write may take less than the whole buffer; the rest is written or the error surfaces. */
async function writeAll(file: fsp.FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}
