// Shows one mail's body at the desk, safely. HTML is sanitised (sanitize-mail.ts) and shown in a
// sandboxed <iframe srcdoc> that may run no script and, by its own Content-Security-Policy, load
// nothing but pictures carried inside the mail — until the person presses "Show pictures" for this
// message (remote pictures tell the sender the mail was opened). Links open outside the desk (a new
// tab in the browser host; the system browser in Electron through setWindowOpenHandler). Plain
// text is shown where there is no HTML and offered beside it; quoted history is folded.
//
// The sandbox is `allow-same-origin` WITHOUT `allow-scripts`. The danger of allow-same-origin is
// a frame that runs script and removes its own sandbox; with scripts off, nothing inside the frame
// can act, and same origin only lets this component (outside the frame) read the document's height
// to size the frame and catch link clicks. No allow-forms, allow-popups, allow-top-navigation.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { splitQuotedText } from '../../src-shared/email/quoted-text.js';
import { sanitizeMail } from './sanitize-mail.js';

export interface MailBodyProps {
  /** The mail's HTML part, or null. */
  html: string | null;
  /** The mail's plain-text part, or null. */
  text: string | null;
  /** Pictures carried inside the mail, for its `cid:` references: Content-ID (no <>) → blob: or data: URL. */
  inlineImages?: Readonly<Record<string, string>>;
  /** Names the frame for screen readers, e.g. the subject. */
  label?: string;
  /** Opens a link outside the desk; by default a new tab or window (Electron hands it to the system browser). */
  onOpenLink?: (url: string) => void;
}

const FRAME_SANDBOX = 'allow-same-origin';

/** The CSP inside the frame: inline styles, pictures carried in the mail, and remote pictures only when asked for. */
export function frameCsp(showPictures: boolean): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `img-src data: blob:${showPictures ? ' https: http:' : ''}`,
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const FRAME_STYLE = `
html { overflow-x: auto; overflow-y: hidden; }
body { margin: 0; padding: 2px; font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  color: #1c2330; background: #fff; overflow-wrap: anywhere; }
img { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; }
blockquote { margin: 0 0 0 8px; padding-left: 10px; border-left: 3px solid #c9d1db; color: #3b4452; }
a[href] { color: #1d4f91; }
`;

function frameDocument(body: string, css: string, showPictures: boolean): string {
  const csp = frameCsp(showPictures).replace(/"/gu, '&quot;');
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><meta name="referrer" content="no-referrer"><style>${FRAME_STYLE}</style><style>${css.replace(/<\/style/giu, '<\\/style')}</style></head><body>${body}</body></html>`;
}

function openInNewTab(url: string): void {
  window.open(url, '_blank', 'noopener,noreferrer');
}

export function MailBody({ html, text, inlineImages, label = 'Mail message', onOpenLink = openInNewTab }: MailBodyProps) {
  const hasHtml = html !== null && html.trim() !== '';
  const hasText = text !== null && text.trim() !== '';
  const [showPictures, setShowPictures] = useState(false);
  const [plain, setPlain] = useState(!hasHtml);
  const [showEarlier, setShowEarlier] = useState(false);

  const sanitized = useMemo(() => (hasHtml ? sanitizeMail(html, { showPictures, inlineImages }) : null), [hasHtml, html, showPictures, inlineImages]);
  const heldBack = sanitized?.heldBack ?? 0;
  const split = useMemo(() => splitQuotedText(text ?? ''), [text]);

  const showingHtml = hasHtml && !plain;
  const hasEarlier = showingHtml ? sanitized!.quoted !== null : split.quoted !== null;

  return (
    <div className="mail-body">
      {showingHtml && heldBack > 0 && !showPictures ? (
        // Not a live region: a conversation of ten mails would announce it ten times on opening.
        <div className="mail-pictures-bar">
          <span>Pictures from the internet are hidden (they can tell the sender you opened this).</span>
          <button type="button" className="quiet" onClick={() => setShowPictures(true)}>
            Show pictures
          </button>
        </div>
      ) : null}
      {showingHtml ? (
        <MailFrame
          srcDoc={frameDocument(sanitized!.body + (showEarlier && sanitized!.quoted ? sanitized!.quoted : ''), sanitized!.css, showPictures)}
          label={label}
          onOpenLink={onOpenLink}
        />
      ) : hasText ? (
        <div className="mail-text">
          {split.body}
          {showEarlier && split.quoted ? `\n\n${split.quoted}` : null}
        </div>
      ) : (
        <p className="mail-empty">This mail has no text.</p>
      )}
      {hasEarlier || (hasHtml && hasText) ? (
        <div className="mail-actions">
          {hasEarlier ? (
            <button type="button" className="link" aria-expanded={showEarlier} onClick={() => setShowEarlier((v) => !v)}>
              {showEarlier ? 'Hide earlier messages' : 'Show earlier messages'}
            </button>
          ) : null}
          {hasHtml && hasText ? (
            <button type="button" className="link" onClick={() => setPlain((v) => !v)}>
              {plain ? 'Show formatted mail' : 'Show plain text'}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

/** The sandboxed frame, sized to its content, with link clicks sent outside. */
function MailFrame({ srcDoc, label, onOpenLink }: { srcDoc: string; label: string; onOpenLink: (url: string) => void }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(60);
  const openLink = useRef(onOpenLink);
  useLayoutEffect(() => {
    openLink.current = onOpenLink;
  });

  useEffect(() => {
    const iframe = frame.current;
    if (!iframe) return;
    let doc: Document | null = null;
    const measure = () => {
      const body = iframe.contentDocument?.body;
      const view = iframe.contentWindow;
      if (!body || !view) return;
      // The body's own height (the <html> element's is never less than the frame, so it could
      // only grow); scrollHeight also counts content that overflows the body. A mail wider than
      // the conversation (a 600px table) scrolls sideways: its scrollbar's height is added.
      const scrollbar = Math.max(0, view.innerHeight - body.ownerDocument.documentElement.clientHeight);
      setHeight(Math.max(Math.ceil(body.getBoundingClientRect().height), body.scrollHeight) + scrollbar);
    };
    // Listeners belong to this (trusted) page; the frame itself runs nothing.
    const onClick = (event: MouseEvent) => {
      const target = event.target as Element | null;
      const anchor = target?.closest?.('a[href], area[href]') as HTMLAnchorElement | null;
      if (!anchor) return;
      event.preventDefault();
      const href = anchor.getAttribute('href') ?? '';
      if (/^(?:https?:|mailto:|tel:)/iu.test(href.trim())) openLink.current(href.trim());
    };
    const attach = () => {
      doc?.removeEventListener('click', onClick, true);
      doc?.removeEventListener('load', measure, true);
      doc?.removeEventListener('error', measure, true);
      doc = iframe.contentDocument;
      if (!doc) return;
      doc.addEventListener('click', onClick, true);
      // A picture that arrives (or fails) changes the height.
      doc.addEventListener('load', measure, true);
      doc.addEventListener('error', measure, true);
      measure();
    };
    iframe.addEventListener('load', attach);
    if (iframe.contentDocument?.readyState === 'complete') attach();
    // The frame's width follows the conversation's; text reflows, so measure again.
    let width = -1;
    const resize = new ResizeObserver(() => {
      if (iframe.clientWidth === width) return;
      width = iframe.clientWidth;
      measure();
    });
    resize.observe(iframe);
    return () => {
      iframe.removeEventListener('load', attach);
      doc?.removeEventListener('click', onClick, true);
      doc?.removeEventListener('load', measure, true);
      doc?.removeEventListener('error', measure, true);
      resize.disconnect();
    };
  }, [srcDoc]);

  return (
    <iframe
      ref={frame}
      className="mail-frame"
      title={label}
      sandbox={FRAME_SANDBOX}
      referrerPolicy="no-referrer"
      srcDoc={srcDoc}
      style={{ height }}
    />
  );
}
