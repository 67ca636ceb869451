// Telling remote content in a mail apart from what travels inside it: a picture fetched from the
// internet tells the sender the mail was opened (a tracking pixel), so the desk holds such
// addresses back until the person asks. Pure: no DOM, no Node built-ins (renderer and relay).

/** True for an address the desk would fetch from the internet (http, https, or protocol-relative //host). */
export function isRemoteUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  const u = url.trim().replace(/[\u0000-\u0020]+/gu, '');
  return /^(?:https?:)?\/\//iu.test(u);
}

/** True when any candidate of a `srcset` is remote. */
export function srcsetHasRemote(srcset: string): boolean {
  return srcset.split(',').some((candidate) => isRemoteUrl(candidate.trim().split(/\s+/u)[0]));
}

// url(...) with its argument quoted or not; CSS escapes in the argument are rare in mail and a
// backslash anywhere in it counts as remote to be safe.
const CSS_URL = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*))\s*\)/giu;
// @import "x" / @import url(x) — never wanted in a mail.
const CSS_IMPORT = /@import\s+[^;]*;?/giu;
// image-set("https://…" 1x, …) names pictures by plain strings, without url().
const CSS_IMAGE_SET = /(?:-webkit-)?image-set\(([^;{}]*)\)/giu;

/**
 * CSS with every remote `url(…)` and `image-set(…)` replaced by `none`, and any @import removed;
 * `removed` counts them.
 * Addresses with escapes are treated as remote, since `\68ttp:` is still http.
 */
export function holdBackCssUrls(css: string): { css: string; removed: number } {
  let removed = 0;
  const out = css
    .replace(CSS_IMPORT, () => {
      removed++;
      return '';
    })
    .replace(CSS_IMAGE_SET, (whole, args: string) => {
      if (!/https?:|\/\/|\\/iu.test(args)) return whole;
      removed++;
      return 'none';
    })
    .replace(CSS_URL, (whole, dq: string | undefined, sq: string | undefined, bare: string | undefined) => {
      const arg = (dq ?? sq ?? bare ?? '').trim();
      if (isRemoteUrl(arg) || arg.includes('\\')) {
        removed++;
        return 'none';
      }
      // Anything else but a picture inside the mail (a relative path, javascript:) goes silently.
      return /^(?:data:image\/|blob:)/iu.test(arg) ? whole : 'none';
    });
  return { css: out, removed };
}

/** CSS without @import (kept out even when the person shows pictures: a mail's pictures, not its style sheets). */
export function dropCssImports(css: string): string {
  return css.replace(CSS_IMPORT, '');
}
