// fontkit (pdfkit's own font engine) ships no types; printing needs only `create`.
declare module 'fontkit' {
  /** A parsed font; pdfkit takes it in place of the font file's bytes. */
  export interface Font {
    layout(text: string): unknown;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font;
}
