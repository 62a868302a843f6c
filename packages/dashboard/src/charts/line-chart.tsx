import "uplot/dist/uPlot.min.css";
import { useEffect, useRef } from "react";
import uPlot from "uplot";

export interface ChartSeries {
  label: string;
  color: string;
  /** Filled area under the line. */
  fill?: boolean;
}

export interface ChartProps {
  /** Unix seconds. */
  x: number[];
  ys: (number | null)[][];
  series: ChartSeries[];
  format: (v: number) => string;
  height?: number;
  /** Fixed y range, e.g. [0, 100] for percentages; otherwise from the data (starting at 0). */
  yRange?: [number, number];
  bars?: boolean;
  /** Fixed x range in unix seconds so an empty or sparse window still spans the whole range. */
  xRange?: [number, number];
  /** Tick steps for whole-number data (counts, vCPUs, MB); the y range then ends on a whole number. */
  steps?: number[];
  label: string;
}

export const countSteps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1_000_000];
/** Megabytes in powers of two, so memory ticks land on 512 MiB, 1 GiB, 4 GiB… */
export const mbSteps = Array.from({ length: 21 }, (_, i) => 2 ** i);
/** Bytes in powers of two from 1 KiB, for memory and disk in bytes. */
export const byteSteps = Array.from({ length: 40 }, (_, i) => 2 ** (i + 10));

const axis = (format?: (v: number) => string, steps?: number[]): uPlot.Axis => ({
  stroke: "#6b7483",
  grid: { stroke: "#1f242c", width: 1 },
  ticks: { stroke: "#242a33", width: 1, size: 4 },
  font: '11px ui-monospace, "JetBrains Mono", Menlo, monospace',
  ...(format ? { values: (_u: uPlot, splits: number[]) => splits.map(format), size: 64 } : {}),
  ...(steps ? { incrs: steps } : {}),
});

/**
 * A uPlot chart that fills its container's width and keeps its height, so live updates
 * redraw the canvas without moving anything around it.
 */
export function LineChart({ x, ys, series, format, height = 180, yRange, bars, xRange, steps, label }: ChartProps) {
  const integer = steps !== undefined;
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = [x, ...ys] as uPlot.AlignedData;
  const dataRef = useRef(data);
  dataRef.current = data;
  const shape = `${series.map((s) => s.label).join("|")}:${bars ? "bars" : "lines"}:${yRange?.join(",") ?? ""}:${height}:${steps?.join(",") ?? ""}`;
  const xRangeRef = useRef(xRange);
  xRangeRef.current = xRange;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { points: { size: 6 }, drag: { x: false, y: false } },
      padding: [8, 20, 0, 0],
      scales: {
        x: { time: true, range: (_u, min, max) => xRangeRef.current ?? [min, max] },
        y: yRange ? { range: () => yRange } : { range: (_u, _min, max) => [0, max > 0 ? (integer ? Math.max(1, Math.ceil(max * 1.15)) : max * 1.15) : integer ? 4 : 1] },
      },
      axes: [axis(), axis(format, steps)],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          fill: s.fill || bars ? `${s.color}${bars ? "99" : "22"}` : undefined,
          points: { show: false },
          spanGaps: false,
          ...(bars ? { paths: uPlot.paths.bars!({ size: [0.7, 40] }) } : {}),
          value: (_u: uPlot, v: number | null) => (v === null ? "—" : format(v)),
        })),
      ],
    };
    const u = new uPlot(opts, dataRef.current, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w > 0 && Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the chart's shape changes; data goes through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data, true);
  });

  return <div ref={box} role="img" aria-label={label} className="w-full" style={{ height }} />;
}
