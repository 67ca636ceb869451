// The real PDF, drawn page by page with pdf.js: what the preview shows is exactly what prints.
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { useEffect, useRef, useState } from 'react';

/** pdf.js is loaded the first time something is previewed, not with the board. */
async function pdfjs() {
  const lib = await import('pdfjs-dist');
  lib.GlobalWorkerOptions.workerSrc = workerUrl;
  return lib;
}

export interface PdfPreviewProps {
  /** The PDF's bytes in base64, as `print-render` returns them. */
  pdfBase64: string;
  /** Names the preview for screen readers, e.g. "Work order for RO 1001". */
  label: string;
  /** Width of the drawn page in CSS pixels. */
  width: number;
}

export function PdfPreview({ pdfBase64, label, width }: PdfPreviewProps) {
  const holder = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'drawing' | 'ready' | 'failed'>('drawing');

  useEffect(() => {
    const target = holder.current;
    if (!target) return;
    let cancelled = false;
    setState('drawing');
    let task: ReturnType<Awaited<ReturnType<typeof pdfjs>>['getDocument']> | null = null;
    (async () => {
      const { getDocument } = await pdfjs();
      if (cancelled) return;
      task = getDocument({ data: base64Bytes(pdfBase64), isEvalSupported: false });
      const pdf = await task.promise;
      const canvases: HTMLCanvasElement[] = [];
      for (let n = 1; n <= pdf.numPages; n++) {
        const page = await pdf.getPage(n);
        const unscaled = page.getViewport({ scale: 1 });
        // Drawn at the screen's pixel density so small print stays legible in the preview.
        const density = window.devicePixelRatio || 1;
        const viewport = page.getViewport({ scale: (width / unscaled.width) * density });
        const canvas = document.createElement('canvas');
        canvas.width = Math.floor(viewport.width);
        canvas.height = Math.floor(viewport.height);
        canvas.style.width = `${width}px`;
        canvas.style.height = `${Math.floor(viewport.height / density)}px`;
        canvas.className = 'pdf-page';
        await page.render({ canvas, viewport }).promise;
        canvases.push(canvas);
      }
      if (cancelled) return;
      target.replaceChildren(...canvases);
      setState('ready');
    })().catch((err: unknown) => {
      if (cancelled) return;
      console.error('[print] preview failed', err);
      setState('failed');
    });
    return () => {
      cancelled = true;
      void task?.destroy();
    };
  }, [pdfBase64, width]);

  return (
    <figure className="pdf-preview" aria-label={label} aria-busy={state === 'drawing'} data-state={state}>
      <div ref={holder} className="pdf-pages" role="img" aria-label={label} />
      {state === 'drawing' ? <p className="pdf-note">Drawing the preview…</p> : null}
      {state === 'failed' ? <p className="pdf-note" role="alert">The preview could not be drawn; the document can still be printed or opened.</p> : null}
    </figure>
  );
}

export function base64Bytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
