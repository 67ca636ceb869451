// Turns a mail's HTML into something the desk can show: DOMPurify (HTML only, no forms, frames,
// media or <meta>), then our own pass over the result — remote pictures held back until the person
// asks (img src, background, CSS url() in style attributes and <style>), links rewritten to open
// outside the desk, and the quoted history (Gmail, Outlook, Apple Mail, Thunderbird) cut off so it
// can be folded. Runs in the renderer (Chromium, Electron): DOMPurify needs a DOM.
import DOMPurify from 'dompurify';
import { holdBackCssUrls, dropCssImports, isRemoteUrl } from '../../src-shared/email/remote-content.js';

export interface SanitizedMail {
  /** Sanitised HTML of what was written in this mail. */
  body: string;
  /** Sanitised HTML of the quoted history, or null when there is none (or nothing above it). */
  quoted: string | null;
  /** The mail's own CSS (<style> blocks), sanitised the same way. */
  css: string;
  /** How many remote pictures (img, background, CSS url()) were held back; 0 when shown. */
  heldBack: number;
}

export interface SanitizeOptions {
  /** Let remote pictures load (the person pressed "Show pictures" for this message). */
  showPictures: boolean;
  /** Pictures carried in the mail (`cid:` parts): Content-ID (without <>) → a blob: or data: URL. */
  inlineImages?: Readonly<Record<string, string>>;
}

/** Link schemes a person may follow from a mail; everything else loses its href. */
const LINK_SCHEMES = /^(?:https?:|mailto:|tel:)/iu;

const PURIFY_CONFIG = {
  WHOLE_DOCUMENT: true,
  RETURN_DOM: true as const,
  // HTML only: no SVG (its <image href> and <use> fetch things) and no MathML.
  USE_PROFILES: { html: true },
  FORBID_TAGS: [
    'form', 'input', 'button', 'select', 'option', 'optgroup', 'textarea', 'fieldset', 'label',
    'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'portal',
    'audio', 'video', 'source', 'track', 'picture',
    'meta', 'link', 'base', 'template', 'dialog', 'noscript',
  ],
  // srcset and sizes: img src is enough; ping: a second tracking request on a click.
  FORBID_ATTR: ['srcset', 'sizes', 'ping', 'action', 'formaction', 'autofocus', 'tabindex', 'accesskey', 'contenteditable'],
  ALLOW_DATA_ATTR: false,
};

// Where the quoted history begins, in the order mail programs write it.
const QUOTE_MARKERS = [
  'div.gmail_quote', // Gmail ("On … wrote:" plus the quote)
  'div#divRplyFwdMsg', // Outlook on the web / new Outlook
  'div#appendonsend', // Outlook on the web, just above divRplyFwdMsg
  'div.moz-cite-prefix', // Thunderbird
  'blockquote[type="cite"]', // Apple Mail, Thunderbird
  'div.yahoo_quoted', // Yahoo
].join(', ');

/** Sanitises a mail's HTML for the sandboxed frame. */
export function sanitizeMail(html: string, options: SanitizeOptions): SanitizedMail {
  const root = DOMPurify.sanitize(html, PURIFY_CONFIG) as unknown as HTMLElement;
  const doc = root.ownerDocument;
  const body = root.querySelector('body') ?? root;
  let heldBack = 0;

  const css: string[] = [];
  for (const style of Array.from(root.querySelectorAll('style'))) {
    const text = dropCssImports(style.textContent ?? '');
    if (options.showPictures) css.push(text);
    else {
      const held = holdBackCssUrls(text);
      heldBack += held.removed;
      css.push(held.css);
    }
    style.remove();
  }

  for (const el of Array.from(body.querySelectorAll('*'))) {
    for (const attr of ['src', 'background', 'poster'] as const) {
      const value = el.getAttribute(attr);
      if (value === null) continue;
      if (isRemoteUrl(value)) {
        if (!options.showPictures) {
          el.removeAttribute(attr);
          heldBack++;
        }
      } else if (/^cid:/iu.test(value.trim())) {
        const part = options.inlineImages?.[decodeCid(value.trim().slice(4))];
        if (part && /^(?:data:image\/|blob:)/iu.test(part)) el.setAttribute(attr, part);
        else el.removeAttribute(attr);
      } else if (!/^(?:data:image\/|blob:)/iu.test(value.trim())) {
        // A relative path would resolve against the desk itself.
        el.removeAttribute(attr);
      }
    }
    const style = el.getAttribute('style');
    if (style !== null) {
      const held = holdBackCssUrls(style);
      if (options.showPictures) {
        el.setAttribute('style', dropCssImports(style));
      } else {
        heldBack += held.removed;
        el.setAttribute('style', held.css);
      }
    }
    if (el.localName === 'a' || el.localName === 'area') {
      const href = el.getAttribute('href')?.trim() ?? '';
      if (LINK_SCHEMES.test(href)) {
        el.setAttribute('target', '_blank');
        el.setAttribute('rel', 'noopener noreferrer');
      } else {
        el.removeAttribute('href');
        el.removeAttribute('target');
      }
    }
  }

  const quoted = cutQuotedHistory(doc, body);
  return { body: body.innerHTML, quoted, css: css.join('\n'), heldBack };
}

/**
 * Removes the quoted history (its marker, what follows it, and what follows each of its
 * ancestors) from `body` and returns it as HTML — unless nothing would be left above it.
 */
function cutQuotedHistory(doc: Document, body: Element): string | null {
  const marker = body.querySelector(QUOTE_MARKERS) ?? outlookHeaderBlock(body);
  if (!marker) return null;
  const moved: Node[] = [];
  // Outlook on the web draws a rule just above the reply header; it belongs to the history.
  const before = marker.previousElementSibling;
  if (before && before.localName === 'hr') moved.push(before);
  for (let node: Node | null = marker; node && node !== body; node = node.parentNode) {
    if (node === marker) moved.push(node);
    for (let next = node.nextSibling; next; next = next.nextSibling) moved.push(next);
  }
  const kept = body.cloneNode(true) as Element;
  const holder = doc.createElement('div');
  for (const node of moved) holder.appendChild(node);
  if (!hasContent(body)) {
    // A bare forward: the quote is the mail. Show it whole, nothing folded.
    body.replaceChildren(...Array.from(kept.childNodes));
    return null;
  }
  return holder.innerHTML;
}

/** Outlook desktop's reply header: a block with a top border whose text starts "From: … Sent: …". */
function outlookHeaderBlock(body: Element): Element | null {
  for (const el of Array.from(body.querySelectorAll('div, p'))) {
    const text = (el.textContent ?? '').replace(/\s+/gu, ' ').trim();
    if (!/^(?:From|Von|De|Da|Van|Från|Fra):\s/u.test(text)) continue;
    if (!/\b(?:Sent|Date|Gesendet|Envoyé|Enviado|Inviato|Verzonden|Skickat|Sendt):\s/u.test(text.slice(0, 400))) continue;
    // The block with the top rule, or the paragraph itself when the rule is missing.
    const ruled = el.closest('div[style*="border-top"]');
    return ruled && ruled !== body ? ruled : el;
  }
  return null;
}

function decodeCid(cid: string): string {
  try {
    return decodeURIComponent(cid).replace(/^<|>$/gu, '');
  } catch {
    return cid;
  }
}

function hasContent(el: Element): boolean {
  return (el.textContent ?? '').trim() !== '' || el.querySelector('img, table') !== null;
}
