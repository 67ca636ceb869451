// Test support: finds text a person could not read whole on the page as drawn — an element whose
// text is wider than its box while its overflow is hidden, clipped or cut with an ellipsis, a
// scrolling box a label spills into, a text leaf running past the window's right edge, or a page
// wider than the window. Used with the long-strings pseudo-locale (src-shared/i18n/pseudo.ts).
import type { Page } from 'playwright-core';

/** DOM pseudo-localisation for screens whose words are not in a catalogue (the desk's staff screens). */
export async function lengthenPageText(page: Page): Promise<void> {
  await page.evaluate(() => {
    const ACC: Record<string, string> = { a: 'á', e: 'é', i: 'í', o: 'ö', u: 'ü', c: 'ç', n: 'ñ', A: 'Å', E: 'É', I: 'Î', O: 'Ø', U: 'Ü' };
    const longer = (t: string) => {
      const letters = t.replace(/[^A-Za-z]/g, '').length;
      if (letters < 2) return t;
      const extra = Math.max(3, Math.ceil(t.trim().length * 0.4));
      let pad = '';
      for (let i = 0; pad.length < extra - 1; i += 1) pad += (pad ? ' ' : '') + ['ẋẍ', 'ŵẅŵ', 'ẋẍẋ'][i % 3];
      return `${t.replace(/[A-Za-z]/g, (c) => ACC[c] ?? c).trimEnd()} ${pad}${/\s$/.test(t) ? ' ' : ''}`;
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const nodes: Text[] = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
    for (const n of nodes) {
      const parent = n.parentElement;
      if (!parent || ['SCRIPT', 'STYLE', 'TEXTAREA', 'OPTION'].includes(parent.tagName) || parent.closest('[contenteditable], svg')) continue;
      if (n.data.trim() !== '') n.data = longer(n.data);
    }
    for (const el of document.querySelectorAll<HTMLInputElement>('input[placeholder], textarea[placeholder]')) el.placeholder = longer(el.placeholder);
    for (const el of document.querySelectorAll<HTMLInputElement>('input[type=submit], input[type=button]')) el.value = longer(el.value);
  });
}

/**
 * Descriptions of every place text is cut; empty when everything reads whole. `within` (a CSS
 * selector) checks only that part of the page, for a screen part shown in a window its page was
 * not laid out for (the page-width check is then about that part's right edge).
 */
export async function clippedText(page: Page, within?: string): Promise<string[]> {
  return page.evaluate((within) => {
    const out: string[] = [];
    const name = (el: Element) => {
      const id = el.id ? `#${el.id}` : '';
      const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).slice(0, 2).join('.')}` : '';
      return `${el.tagName.toLowerCase()}${id}${cls} "${(el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 50)}"`;
    };
    const vw = document.documentElement.clientWidth;
    const root = within ? document.querySelector<HTMLElement>(within) : document.body;
    if (!root) return [`nothing on the page matches ${within}`];
    if (!within && document.documentElement.scrollWidth > vw + 1) out.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${vw}px window`);
    for (const el of root.querySelectorAll<HTMLElement>('*')) {
      if (['SCRIPT', 'STYLE', 'SVG', 'PATH', 'IMG', 'CANVAS', 'VIDEO', 'IFRAME', 'OPTION', 'TEXTAREA', 'SELECT', 'INPUT'].includes(el.tagName.toUpperCase())) continue;
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      // Words for screen readers only (the 1px clipped box of .visually-hidden) are meant to be cut.
      if ((rect.width <= 1 && rect.height <= 1) || el.closest('.visually-hidden')) continue;
      const hasOwnText = [...el.childNodes].some((c) => c.nodeType === Node.TEXT_NODE && (c.textContent ?? '').trim() !== '');
      const cuts = style.overflowX !== 'visible' || style.textOverflow === 'ellipsis';
      if (cuts && hasOwnText && el.scrollWidth > el.clientWidth + 1) out.push(`${name(el)}: text ${el.scrollWidth}px in a ${el.clientWidth}px box (overflow ${style.overflowX})`);
      if (cuts && hasOwnText && (style.overflowY === 'hidden' || style.overflowY === 'clip') && el.scrollHeight > el.clientHeight + 1) {
        out.push(`${name(el)}: text ${el.scrollHeight}px tall in a ${el.clientHeight}px box`);
      }
      if (hasOwnText && rect.right > vw + 1 && style.position !== 'fixed') out.push(`${name(el)}: runs to ${Math.round(rect.right)}px, past the window's ${vw}px`);
      // Text pushed past the edge of an ancestor that cuts what leaves it (overflow, or the paint
      // containment of content-visibility: auto on the board's cards).
      if (hasOwnText) {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          const as = getComputedStyle(a);
          const paintCut = as.contentVisibility === 'auto' || /paint|strict|content/.test(as.contain);
          if (as.overflowX === 'visible' && !paintCut) continue;
          if (as.overflowX === 'auto' || as.overflowX === 'scroll') break;
          const ar = a.getBoundingClientRect();
          if (rect.right > ar.right + 1 || rect.left < ar.left - 1) out.push(`${name(el)}: cut by the edge of ${name(a).slice(0, 40)}`);
          break;
        }
      }
      // A label spilling out of a box that does not cut it, over its neighbours.
      if (!cuts && hasOwnText && el.scrollWidth > el.clientWidth + 1 && style.display !== 'inline' && el.clientWidth > 0) {
        out.push(`${name(el)}: text ${el.scrollWidth}px spills out of a ${el.clientWidth}px box`);
      }
    }
    return out;
  }, within);
}
