// A tagged template for server-rendered pages: every interpolated value is HTML-escaped unless it
// is already `Html` (the output of another `html` template or of `raw`). Arrays are joined.
// Customer names, messages and file names can hold anything; they only ever reach a page as text.

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) out += render(values[i]!) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Markup written in this codebase (never data from outside). */
export function raw(markup: string): Html {
  return new Html(markup);
}
