/**
 * A time-series chart drawn by uPlot: one line per series (the mean of each step, with the
 * step's min..max as a band when there is one series), drag to zoom in (`onZoom` gets the range in
 * Unix seconds), double-click to zoom out. From the keyboard: the chart takes the focus, `+` and `-`
 * zoom in and out around its middle, the arrow keys move a quarter of the range back or on; the
 * chart redraws at once and `onZoom` follows when the keys rest, and a live region says the range.
 * Resizes with its box. Its colours are the stylesheet's (`--series-1` … `--series-8`, text and
 * grid), light or dark as the browser prefers; a change of the preference redraws it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { keyZoom } from '../chartZoom.js';
import { formatValue } from '../format.js';
import type { Series } from '../types.js';

const PALETTE_SIZE = 8;
const DARK = '(prefers-color-scheme: dark)';

/** The chart colours of the stylesheet in force: the palette, the band under a lone line and the grid. */
function chartColours(): { palette: string[]; band: string; grid: string } {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return { palette: Array.from({ length: PALETTE_SIZE }, (_, i) => read(`--series-${i + 1}`)), band: read('--series-band'), grid: read('--grid') };
}

/** Whether the browser prefers dark, re-rendering when that changes (charts draw on canvas: CSS alone cannot recolour them). */
function useDarkScheme(): boolean {
  const [dark, setDark] = useState(() => matchMedia(DARK).matches);
  useEffect(() => {
    const query = matchMedia(DARK);
    const update = () => setDark(query.matches);
    query.addEventListener('change', update);
    return () => query.removeEventListener('change', update);
  }, []);
  return dark;
}

/** How long the keys rest before the zoomed range is loaded. */
const KEY_REST_MS = 400;

/** A range as people read it: both ends in the browser's zone, to the minute. */
function rangeText(from: number, to: number): string {
  const format = (s: number) => new Date(s * 1000).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return `${format(from)} to ${format(to)}`;
}

export interface ChartProps {
  title: string;
  /** The metric whose unit labels the axis. */
  unitMetric: string;
  series: ReadonlyArray<{ label: string; series: Series }>;
  onZoom?(fromSeconds: number, toSeconds: number): void;
  height?: number;
}

export function Chart({ title, unitMetric, series, onZoom, height = 180 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const keyRest = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [announced, setAnnounced] = useState('');
  const dark = useDarkScheme();
  useEffect(() => () => clearTimeout(keyRest.current), []);
  useEffect(() => {
    const element = box.current;
    const first = series[0];
    if (!element || !first) return;
    const band = series.length === 1;
    const data: uPlot.AlignedData = [first.series.points.at, ...series.map((s) => s.series.points.avg)];
    if (band) data.push(first.series.points.min, first.series.points.max);
    const text = getComputedStyle(element).color;
    const colours = chartColours();
    const grid = { stroke: colours.grid, width: 1 };
    const axisValues = (_u: uPlot, values: number[]) => values.map((v) => formatValue(unitMetric, v));
    const options: uPlot.Options = {
      width: element.clientWidth || 600,
      height,
      series: [
        {},
        ...series.map((s, i) => ({ label: s.label, stroke: colours.palette[i % PALETTE_SIZE], width: 1.5, spanGaps: false, value: (_u: uPlot, v: number | null) => formatValue(unitMetric, v) })),
        ...(band ? [{ label: 'min', stroke: 'transparent', show: true }, { label: 'max', stroke: 'transparent', show: true }] : []),
      ],
      ...(band ? { bands: [{ series: [3, 2] as [number, number], fill: colours.band }] } : {}),
      axes: [
        { stroke: text, grid, ticks: grid },
        { stroke: text, grid, ticks: grid, size: 70, values: axisValues },
      ],
      cursor: { drag: { x: true, y: false } },
      legend: { show: true },
      hooks: {
        setSelect: [
          (u: uPlot) => {
            if (!onZoom || u.select.width < 5) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            onZoom(Math.floor(from), Math.ceil(to));
          },
        ],
      },
    };
    const plot = new uPlot(options, data, element);
    plotRef.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plotRef.current = null;
      plot.destroy();
    };
  }, [series, unitMetric, height, onZoom, dark]);
  const onKeyDown = (event: KeyboardEvent) => {
    const plot = plotRef.current;
    const { min, max } = plot?.scales.x ?? {};
    if (!plot || !onZoom || min === undefined || max === undefined || event.ctrlKey || event.metaKey || event.altKey) return;
    const next = keyZoom(event.key, min, max, Date.now() / 1000);
    if (next === undefined) return;
    event.preventDefault();
    plot.setScale('x', { min: next[0], max: next[1] });
    setAnnounced(`${title}: ${rangeText(next[0], next[1])}`);
    clearTimeout(keyRest.current);
    keyRest.current = setTimeout(() => onZoom(next[0], next[1]), KEY_REST_MS);
  };
  const at = series[0]?.series.points.at ?? [];
  const shown = at.length > 0 ? rangeText(at[0]!, at[at.length - 1]!) : '';
  const keys = onZoom ? '; plus and minus zoom, arrow keys move in time' : '';
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {series.length === 0 ? (
        <p class="muted">No data in this range.</p>
      ) : (
        <div
          ref={box}
          class="chart-canvas"
          role="group"
          aria-roledescription="chart"
          aria-label={`${title}, ${shown}${keys}`}
          {...(onZoom ? { tabIndex: 0, 'aria-keyshortcuts': '+ - ArrowLeft ArrowRight', onKeyDown } : {})}
        />
      )}
      <p class="visually-hidden" aria-live="polite">
        {announced}
      </p>
    </figure>
  );
}

/** A tiny line without axes or legend, for table rows. */
export function Sparkline({ values, at, label }: { values: Array<number | null>; at: number[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const dark = useDarkScheme();
  useEffect(() => {
    const element = box.current;
    if (!element || at.length === 0) return;
    const colours = chartColours();
    const plot = new uPlot(
      {
        width: 120,
        height: 28,
        series: [{}, { stroke: colours.palette[0], width: 1, fill: colours.band }],
        axes: [{ show: false }, { show: false }],
        scales: { y: { range: [0, 1] } },
        cursor: { show: false },
        legend: { show: false },
        padding: [2, 0, 2, 0],
      },
      [at, values],
      element,
    );
    return () => plot.destroy();
  }, [values, at, dark]);
  return <div ref={box} class="sparkline" role="img" aria-label={label} />;
}
