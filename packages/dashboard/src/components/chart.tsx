import { useEffect, useRef } from 'preact/hooks';

/**
 * uPlot is half the app's bytes: it loads with the first chart, not with the sign-in page.
 * One promise, so every chart shares the one request.
 */
let loading: Promise<typeof import('uplot')> | undefined;
const loadUPlot = () =>
  (loading ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(
    ([m]) => m.default,
  ));

export interface Line {
  label: string;
  values: number[];
  color: string;
}

const COLORS = ['#2563eb', '#16a34a', '#db2777', '#ea580c', '#7c3aed', '#0891b2', '#64748b'];
export const color = (i: number) => COLORS[i % COLORS.length] as string;

/**
 * A time series drawn by uPlot (canvas: cheap for hundreds of points). `at` are ISO times.
 * The figure carries a text summary for screen readers, since a canvas says nothing.
 */
export function Chart({ title, at, lines }: { title: string; at: string[]; lines: Line[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plotRef = useRef<import('uplot')>();
  const data = () =>
    [
      at.map((t) => Date.parse(t) / 1000),
      ...lines.map((l) => l.values),
    ] as import('uplot').AlignedData;
  // A new plot only when the lines themselves change; fresh numbers (polling) go in with
  // setData, so the chart does not flicker every few seconds.
  const shape = `${lines.map((l) => l.label).join()}|${at.length > 0}|${at.length < 40}`;

  useEffect(() => {
    const el = box.current;
    if (!el || at.length === 0) return;
    const width = () => Math.max(240, el.clientWidth);
    let plot: import('uplot') | undefined;
    let observer: ResizeObserver | undefined;
    let live = true;
    void loadUPlot().then((uPlot) => {
      if (!live) return;
      plot = new uPlot(
        {
          width: width(),
          height: 220,
          series: [
            {},
            ...lines.map((l) => ({
              label: l.label,
              stroke: l.color,
              width: 2,
              points: { show: at.length < 40 },
            })),
          ],
          axes: [{}, { size: 50 }],
          legend: { live: false },
        },
        data(),
        el,
      );
      plotRef.current = plot;
      // uPlot draws at a fixed width: follow the layout (phone widths, sidebar toggles).
      observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: 220 }));
      observer.observe(el);
    });
    return () => {
      live = false;
      observer?.disconnect();
      plot?.destroy();
      plotRef.current = undefined;
    };
  }, [shape]);

  useEffect(() => {
    plotRef.current?.setData(data());
  }, [at, lines]);

  const summary = lines
    .map((l) => `${l.label}: ${l.values.reduce((a, b) => a + b, 0)} in total`)
    .join(', ');
  return (
    <figure class="chart" aria-label={`${title}. ${summary}`}>
      <figcaption>{title}</figcaption>
      {at.length === 0 ? <p class="muted">No data for this period yet.</p> : <div ref={box} />}
    </figure>
  );
}
