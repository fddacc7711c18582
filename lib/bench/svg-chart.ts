// A grouped bar chart as a standalone SVG: what the benchmark draws its figures with. Written out
// by hand because the charts are few and plain (bars, a value on each, a legend, one optional
// reference line), and an SVG file needs no browser to make and shows in the decks and on GitHub.

export interface Bar {
  series: string;
  value: number;
}

export interface BarChart {
  title: string;
  /** Lines under the title: what was measured; when and on what. */
  subtitle: string[];
  /** What the vertical axis counts: "records/s", "ms". */
  unit: string;
  /** Bars side by side in each group; groups left to right. */
  groups: Array<{ label: string; bars: Bar[] }>;
  /** A horizontal line across the chart: a limit or a target. */
  reference?: { value: number; label: string };
  /** How a value is written on its bar (and on the axis). */
  format?: (value: number) => string;
  /** A logarithmic axis (powers of ten): for values that span orders of magnitude, such as latencies. */
  logScale?: boolean;
}

const WIDTH = 960;
const HEIGHT = 540;
const MARGIN = { top: 150, right: 24, bottom: 64, left: 96 };
/** Colours far apart for viewers with any common colour blindness (Okabe and Ito's palette), on white. */
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00'];
const FONT = 'font-family="Liberation Sans, Arial, Helvetica, sans-serif"';
/** Every text at least 18 px: the decks draw the charts at this size on a 1280×720 slide, and the back row must read them. */
const TEXT = 18;

/** The SVG text of the chart. */
export function barChart(chart: BarChart): string {
  const format = chart.format ?? compact;
  const series = [...new Set(chart.groups.flatMap((group) => group.bars.map((bar) => bar.series)))];
  const values = [...chart.groups.flatMap((group) => group.bars.map((bar) => bar.value)), ...(chart.reference ? [chart.reference.value] : [])];
  const top = Math.max(...values, 1e-9);
  const ticks = chart.logScale ? powersOfTen(Math.min(...values.filter((value) => value > 0)), top) : niceTicks(top);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  // Where a value sits between the lowest tick (the axis) and the highest.
  const share = chart.logScale
    ? (value: number) => (Math.log10(Math.max(value, ticks[0]!)) - Math.log10(ticks[0]!)) / (Math.log10(ticks.at(-1)!) - Math.log10(ticks[0]!))
    : (value: number) => Math.max(0, value) / ticks.at(-1)!;
  const y = (value: number) => MARGIN.top + plotHeight - share(value) * plotHeight;
  const groupWidth = plotWidth / Math.max(1, chart.groups.length);
  const barWidth = Math.min(72, (groupWidth * 0.8) / Math.max(1, series.length));

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ${FONT}>`);
  parts.push(`<title>${escape(chart.title)}</title>`);
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  parts.push(`<text x="24" y="36" font-size="26" font-weight="bold" fill="#000000">${escape(chart.title)}</text>`);
  chart.subtitle.forEach((line, i) => parts.push(`<text x="24" y="${66 + i * 24}" font-size="${TEXT}" fill="#333333">${escape(line)}</text>`));

  // Grid lines and the axis, labelled in the chart's unit.
  for (const tick of ticks) {
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#dddddd"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${y(tick) + 6}" font-size="${TEXT}" text-anchor="end" fill="#333333">${escape(format(tick))}</text>`);
  }
  parts.push(`<text transform="translate(22 ${MARGIN.top + plotHeight / 2}) rotate(-90)" font-size="${TEXT}" text-anchor="middle" fill="#333333">${escape(chart.unit)}</text>`);
  const bottom = MARGIN.top + plotHeight;
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${bottom}" y2="${bottom}" stroke="#000000"/>`);

  chart.groups.forEach((group, g) => {
    const centre = MARGIN.left + groupWidth * (g + 0.5);
    const left = centre - (barWidth * group.bars.length) / 2;
    group.bars.forEach((bar, b) => {
      const x = left + b * barWidth;
      const colour = COLOURS[series.indexOf(bar.series) % COLOURS.length];
      parts.push(`<rect x="${x + 2}" y="${y(bar.value)}" width="${barWidth - 4}" height="${bottom - y(bar.value)}" fill="${colour}"><title>${escape(`${group.label}, ${bar.series}: ${format(bar.value)} ${chart.unit}`)}</title></rect>`);
      parts.push(`<text x="${x + barWidth / 2}" y="${y(bar.value) - 6}" font-size="${TEXT}" text-anchor="middle" fill="#000000">${escape(format(bar.value))}</text>`);
    });
    parts.push(`<text x="${centre}" y="${bottom + 26}" font-size="${TEXT}" text-anchor="middle" fill="#000000">${escape(group.label)}</text>`);
  });

  if (chart.reference) {
    const at = y(chart.reference.value);
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${at}" y2="${at}" stroke="#D55E00" stroke-width="2" stroke-dasharray="8 6"/>`);
    parts.push(`<text x="${WIDTH - MARGIN.right}" y="${at - 8}" font-size="${TEXT}" text-anchor="end" fill="#D55E00" stroke="#ffffff" stroke-width="4" paint-order="stroke">${escape(chart.reference.label)}</text>`);
  }

  // The legend, one entry per series, under the title; a chart of one series needs none.
  if (series.length > 1) {
    let x = 24;
    for (const [i, name] of series.entries()) {
      parts.push(`<rect x="${x}" y="106" width="18" height="18" fill="${COLOURS[i % COLOURS.length]}"/>`);
      parts.push(`<text x="${x + 24}" y="122" font-size="${TEXT}" fill="#000000">${escape(name)}</text>`);
      x += 48 + name.length * 10;
    }
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Round steps from 0 past `top`: 1, 2 or 5 times a power of ten, about five of them. */
export function niceTicks(top: number): number[] {
  const rough = top / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough)!;
  const ticks: number[] = [];
  for (let tick = 0; ticks.length === 0 || ticks.at(-1)! < top; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return ticks;
}

/** 1, 10, 100, … from the power of ten at or below `low` to the one at or above `high`. */
export function powersOfTen(low: number, high: number): number[] {
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(low)); ticks.length < 2 || ticks.at(-1)! < high; exponent++) ticks.push(Number((10 ** exponent).toPrecision(12)));
  return ticks;
}

/** 1234567 as "1.2M", 45600 as "45.6k", 12.5 as "12.5". */
export function compact(value: number): string {
  const scaled = (divisor: number, suffix: string) => `${Number((value / divisor).toPrecision(3))}${suffix}`;
  if (Math.abs(value) >= 1e6) return scaled(1e6, 'M');
  if (Math.abs(value) >= 1e3) return scaled(1e3, 'k');
  return String(Number(value.toPrecision(3)));
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
