import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useTheme } from '../shell/theme-context.tsx';
import { startOfLocalDay } from './days.ts';

/** Messages per day as bars (uPlot: 50 kB, canvas), sized to its box. */
export function DayChart({ days }: { days: readonly { day: string; count: number }[] }) {
  const box = useRef<HTMLDivElement>(null);
  const { theme } = useTheme();
  // biome-ignore lint/correctness/useExhaustiveDependencies: the colours come from the theme's CSS variables
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const styles = getComputedStyle(document.documentElement);
    const color = (name: string) => styles.getPropertyValue(name).trim();
    const axis = {
      stroke: color('--muted'),
      grid: { stroke: color('--border'), width: 1 },
      ticks: { stroke: color('--border') },
    };
    const data: uPlot.AlignedData = [
      days.map((entry) => startOfLocalDay(entry.day).getTime() / 1000),
      // A quiet day is no bar at all rather than a flat outline on the axis.
      days.map((entry) => (entry.count === 0 ? null : entry.count)),
    ];
    const chart = new uPlot(
      {
        width: element.clientWidth,
        height: 260,
        legend: { show: false },
        cursor: { points: { show: false } },
        scales: {
          // Half a day either side, so the first and last bars are drawn whole.
          x: { time: true, range: (_plot, min, max) => [min - 43_200, max + 43_200] },
          y: { range: (_plot, _min, max) => [0, Math.max(1, max) * 1.1] },
        },
        axes: [axis, { ...axis, size: 50 }],
        series: [
          {},
          {
            label: 'Messages',
            stroke: color('--accent'),
            fill: color('--accent-soft'),
            paths: uPlot.paths.bars?.({ size: [0.7, 40] }),
            points: { show: false },
          },
        ],
      },
      data,
      element,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth, height: 260 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [days, theme]);
  return <div ref={box} className="day-chart" role="img" aria-label="Messages per day" />;
}
