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
  /** Whole-number ticks (counts, vCPUs, MB). */
  integer?: boolean;
  label: string;
}

const integerSteps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1_000_000];

const axis = (format?: (v: number) => string, integer?: boolean): uPlot.Axis => ({
  stroke: "#6b7483",
  grid: { stroke: "#1f242c", width: 1 },
  ticks: { stroke: "#242a33", width: 1, size: 4 },
  font: '11px ui-monospace, "JetBrains Mono", Menlo, monospace',
  ...(format ? { values: (_u: uPlot, splits: number[]) => splits.map(format), size: 64 } : {}),
  ...(integer ? { incrs: integerSteps } : {}),
});

/**
 * A uPlot chart that fills its container's width and keeps its height, so live updates
 * redraw the canvas without moving anything around it.
 */
export function LineChart({ x, ys, series, format, height = 180, yRange, bars, xRange, integer, label }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = [x, ...ys] as uPlot.AlignedData;
  const dataRef = useRef(data);
  dataRef.current = data;
  const shape = `${series.map((s) => s.label).join("|")}:${bars ? "bars" : "lines"}:${yRange?.join(",") ?? ""}:${height}:${integer ? "int" : ""}`;
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
      padding: [8, 8, 0, 0],
      scales: {
        x: { time: true, range: (_u, min, max) => xRangeRef.current ?? [min, max] },
        y: yRange ? { range: () => yRange } : { range: (_u, _min, max) => [0, max > 0 ? (integer ? Math.max(1, Math.ceil(max * 1.15)) : max * 1.15) : integer ? 4 : 1] },
      },
      axes: [axis(), axis(format, integer)],
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
