// One chart of the Reports screen, drawn with uPlot on a canvas: lines (a trend) or bars (a figure
// per stage or insurer). Colour is never the only cue: each series has its own dash pattern, point
// style or hatching, every point or bar carries its number, and the same figures are in the table
// the screen shows beside the chart. The chart itself is one focusable image with a description.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  /** How the number reads on the chart ("4.2", "85 %"). */
  format: (v: number) => string;
  /** Draw on the right-hand scale (a percentage beside days, say). */
  right?: boolean;
  style: 'solid' | 'dashed' | 'dotted';
}

export interface ChartProps {
  id: string;
  kind: 'line' | 'bars';
  /** One label per point along the bottom. */
  labels: string[];
  series: ChartSeries[];
  /** A sentence describing what the chart shows, for a screen reader and as the focus tooltip. */
  description: string;
  height?: number;
  leftUnit?: string;
  rightUnit?: string;
  /** A horizontal target line on the left scale, labelled. */
  target?: { value: number; label: string };
}

/** A bottom label that would not fit its slot (about 6 px a letter) breaks onto two lines: "Supplement\nsent". */
function xLabel(label: string, slot: number): string {
  if (label.length * 6 < slot - 8 || !label.includes(' ')) return label;
  const mid = label.length / 2;
  let at = -1;
  for (let i = 0; i < label.length; i++) if (label[i] === ' ' && (at < 0 || Math.abs(i - mid) < Math.abs(at - mid))) at = i;
  return `${label.slice(0, at)}\n${label.slice(at + 1)}`;
}

const INK = ['#1d4f91', '#a14b00', '#1f6b3a'];
const DASH: Record<ChartSeries['style'], number[]> = { solid: [], dashed: [10, 5], dotted: [2, 4] };

function hatch(color: string, angle: 'up' | 'down' | 'cross'): CanvasPattern | string {
  const c = document.createElement('canvas');
  c.width = 8;
  c.height = 8;
  const g = c.getContext('2d');
  if (!g) return color;
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, 8, 8);
  g.strokeStyle = color;
  g.lineWidth = 2;
  g.beginPath();
  if (angle !== 'down') {
    g.moveTo(0, 8);
    g.lineTo(8, 0);
  }
  if (angle !== 'up') {
    g.moveTo(0, 0);
    g.lineTo(8, 8);
  }
  g.stroke();
  return g.createPattern(c, 'repeat') ?? color;
}

export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const current = useRef(props);
  current.current = props;
  // Drawn again only when what it shows changes (not on every render of the screen).
  const shown = JSON.stringify([props.kind, props.labels, props.series.map((s) => [s.label, s.values, s.style, s.right]), props.target, props.height]);
  useEffect(() => {
    const props = current.current;
    const el = box.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth);
    const height = props.height ?? 220;
    const xs = props.labels.map((_, i) => i);
    const bars = props.kind === 'bars';
    const barPaths = bars ? uPlot.paths.bars!({ size: [0.7 / Math.max(1, props.series.length), 60], align: 0 }) : undefined;
    const seriesOpts: uPlot.Series[] = props.series.map((s, i) => {
      const color = INK[i % INK.length]!;
      const offset = bars ? (i - (props.series.length - 1) / 2) * (0.7 / props.series.length) : 0;
      return {
        label: s.label,
        scale: s.right ? 'right' : 'left',
        stroke: color,
        width: bars ? 1.5 : 2.5,
        dash: DASH[s.style],
        fill: bars ? hatch(color, (['up', 'down', 'cross'] as const)[i % 3]!) : undefined,
        paths: bars
          ? (u: uPlot, seriesIdx: number, idx0: number, idx1: number) => {
              // Bars of several series side by side: shift each series' x a little.
              const saved = u.data[0];
              (u.data as unknown as number[][])[0] = (saved as number[]).map((x) => x + offset);
              const p = barPaths!(u, seriesIdx, idx0, idx1);
              (u.data as unknown as number[][])[0] = saved as number[];
              return p;
            }
          : undefined,
        points: bars ? { show: false } : { show: true, size: i === 0 ? 9 : 8, width: 2, stroke: color, fill: i === 0 ? color : '#ffffff' },
        spanGaps: true,
      };
    });
    const labelHook = (u: uPlot) => {
      const ctx = u.ctx;
      ctx.save();
      ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.fillStyle = '#1c2330';
      // A number that would overprint one already drawn is left off (it is in the table beside).
      const drawn: Array<{ x0: number; x1: number; y0: number; y1: number }> = [];
      const lineHeight = 12 * devicePixelRatio;
      let overlapping = 0;
      props.series.forEach((s, si) => {
        const offset = bars ? (si - (props.series.length - 1) / 2) * (0.7 / props.series.length) : 0;
        s.values.forEach((v, i) => {
          if (v === null || v === undefined) return;
          const x = u.valToPos(i + offset, 'x', true);
          const y = u.valToPos(v, s.right ? 'right' : 'left', true);
          // The second line's numbers sit under its points, the first's above, so they do not collide.
          const text = s.format(v);
          const ty = !bars && si % 2 === 1 ? y + 17 * devicePixelRatio : y - 7 * devicePixelRatio;
          const half = ctx.measureText(text).width / 2 + 2 * devicePixelRatio;
          const box = { x0: x - half, x1: x + half, y0: ty - lineHeight, y1: ty };
          if (drawn.some((d) => d.x0 < box.x1 && box.x0 < d.x1 && d.y0 < box.y1 && box.y0 < d.y1)) {
            overlapping++;
            return;
          }
          drawn.push(box);
          ctx.fillText(text, x, ty);
        });
      });
      u.root.parentElement?.setAttribute('data-numbers-left-off', String(overlapping));
      if (props.target) {
        const y = u.valToPos(props.target.value, 'left', true);
        ctx.strokeStyle = '#525c6b';
        ctx.setLineDash([3 * devicePixelRatio, 3 * devicePixelRatio]);
        ctx.lineWidth = devicePixelRatio;
        ctx.beginPath();
        ctx.moveTo(u.bbox.left, y);
        ctx.lineTo(u.bbox.left + u.bbox.width, y);
        ctx.stroke();
        ctx.textAlign = 'right';
        ctx.fillStyle = '#525c6b';
        ctx.fillText(props.target.label, u.bbox.left + u.bbox.width - 4, y - 4 * devicePixelRatio);
      }
      ctx.restore();
    };
    const leftMax = Math.max(1, ...props.series.filter((s) => !s.right).flatMap((s) => s.values.map((v) => v ?? 0)), props.target?.value ?? 0);
    const rightMax = Math.max(1, ...props.series.filter((s) => s.right).flatMap((s) => s.values.map((v) => v ?? 0)));
    const chart = new uPlot(
      {
        width,
        height,
        legend: { show: false },
        cursor: { show: false },
        select: { show: false, left: 0, top: 0, width: 0, height: 0 },
        scales: {
          x: { time: false, range: [-0.6, Math.max(0.6, xs.length - 0.4)] },
          left: { range: [0, leftMax * 1.18] },
          right: { range: [0, rightMax * 1.18] },
        },
        axes: [
          { stroke: '#1c2330', grid: { show: false }, splits: () => xs, values: (_u, ticks) => ticks.map((t) => xLabel(props.labels[t] ?? '', width / Math.max(1, xs.length))), size: 44, font: '11px system-ui, sans-serif' },
          { scale: 'left', stroke: '#1c2330', label: props.leftUnit, font: '11px system-ui, sans-serif', labelFont: '12px system-ui, sans-serif', grid: { stroke: '#e3e7ec' } },
          ...(props.series.some((s) => s.right) ? [{ scale: 'right', side: 1, stroke: '#1c2330', label: props.rightUnit, grid: { show: false }, font: '11px system-ui, sans-serif', labelFont: '12px system-ui, sans-serif' } as uPlot.Axis] : []),
        ],
        series: [{}, ...seriesOpts],
        hooks: { draw: [labelHook] },
      },
      [xs, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    return () => chart.destroy();
  }, [shown]);

  return (
    <figure className="report-chart">
      <div ref={box} className="report-chart-canvas" role="img" tabIndex={0} aria-label={props.description} title={props.description} id={props.id} />
      <figcaption className="chart-key">
        {props.series.map((s, i) => (
          <span key={s.label} className="chart-key-item">
            <svg width="34" height="12" aria-hidden="true">
              {props.kind === 'bars' ? (
                <rect x="2" y="1" width="30" height="10" fill="none" stroke={INK[i % INK.length]} strokeWidth="1.5" />
              ) : (
                <>
                  <line x1="1" y1="6" x2="33" y2="6" stroke={INK[i % INK.length]} strokeWidth="2.5" strokeDasharray={DASH[s.style].join(' ')} />
                  <circle cx="17" cy="6" r="4" fill={i === 0 ? INK[0] : '#fff'} stroke={INK[i % INK.length]} strokeWidth="2" />
                </>
              )}
            </svg>
            {s.label}
            {props.kind === 'bars' ? ` (${['hatched ╱', 'hatched ╲', 'cross-hatched'][i % 3]})` : ` (${s.style} line${i === 0 ? ', filled dots' : ', open dots'})`}
          </span>
        ))}
        {props.target ? <span className="chart-key-item">- - - {props.target.label}</span> : null}
      </figcaption>
    </figure>
  );
}
