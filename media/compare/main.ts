import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './compare.css';
import type { CompareFromWebview, CompareRun, CompareToWebview } from '../../server/src/protocol';
import { el } from '../shared/el';
import { alignSeries, chartedMetrics, comparableMetrics, formatValue, metricRows, numericVariedParams, paramMetricPoints, paramRows, type CompareRow } from './model';

declare function acquireVsCodeApi(): { postMessage(message: CompareFromWebview): void; getState(): unknown; setState(state: unknown): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;
/** The charts drawn, by metric key, and what they were drawn for: a redraw of the same runs and keys updates them in place. */
const charts = new Map<string, uPlot>();
/** The params-against-metric scatters, redrawn whenever the runs or the chosen metric change. */
const scatters: uPlot[] = [];
/** The metric the params are charted against: the user's pick, else the sweep's, else the first. */
let scatterMetric: string | undefined;
let drawnFor = '';
let shown: Extract<CompareToWebview, { type: 'runs' }> | undefined;
let onlyDifferences = (vscode.getState() as { onlyDifferences?: boolean } | undefined)?.onlyDifferences ?? false;

window.addEventListener('message', (event: MessageEvent<CompareToWebview>) => {
  const message = event.data;
  if (message.type === 'runs') {
    shown = message;
    render();
  } else if (message.type === 'error') {
    clear();
    app.append(el('p', { class: 'error', role: 'alert' }, message.message));
  }
});

// The theme's colours are CSS variables the charts read when drawn: redraw when the theme changes.
new MutationObserver(() => render(true)).observe(document.body, { attributes: true, attributeFilter: ['class'] });
window.addEventListener('resize', () => {
  for (const c of charts.values()) c.setSize(chartSize(app));
});

vscode.postMessage({ type: 'ready' });

/**
 * Draws the runs. New data for the same runs and metrics (a run still logging) keeps the page: the
 * tables are rebuilt and the charts given the new data, so scroll position and layout stay.
 */
function render(force = false): void {
  if (!shown) return;
  const { runs, truncatedTo } = shown;
  const keys = chartedMetrics(runs);
  const structure = JSON.stringify([runs.map((r) => r.id), keys]);
  const colours = runColours(runs.length);
  const summary = el('div', { id: 'summary' });
  const header = el('header', {}, el('h1', {}, `Comparing ${runs.length} run${runs.length === 1 ? '' : 's'}`));
  if (truncatedTo) header.append(el('p', { class: 'note' }, `Only the first ${truncatedTo} selected runs are shown.`));
  const toggle = el('input', { type: 'checkbox', id: 'only-differences' }) as HTMLInputElement;
  toggle.checked = onlyDifferences;
  toggle.addEventListener('change', () => {
    onlyDifferences = toggle.checked;
    vscode.setState({ onlyDifferences });
    render();
  });
  const exportButton = el('button', { type: 'button' }, 'Export CSV');
  exportButton.addEventListener('click', () => vscode.postMessage({ type: 'exportCsv' }));
  header.append(el('div', { class: 'toolbar' }, el('label', {}, toggle, ' Only rows that differ'), exportButton));
  summary.append(header, legend(runs, colours), table('Params', runs, paramRows(runs), colours, false), table('Metrics (latest value)', runs, metricRows(runs), colours, true));

  const against = paramsAgainstMetric(runs, colours);
  if (!force && structure === drawnFor && document.getElementById('summary')) {
    document.getElementById('summary')!.replaceWith(summary);
    document.getElementById('params-metric')?.replaceWith(against);
    for (const key of keys) {
      const { xs, ys } = alignSeries(runs, key);
      charts.get(key)?.setData([xs, ...ys] as uPlot.AlignedData);
    }
    return;
  }
  clear();
  drawnFor = structure;
  app.append(summary, against);
  const section = el('section', { class: 'charts' }, el('h2', {}, 'Metrics over steps'));
  if (!keys.length) section.append(el('p', { class: 'empty' }, 'No metric was logged at more than one step.'));
  app.append(section);
  for (const key of keys) section.append(chart(runs, key, colours));
}

/**
 * Each numeric param that differs between the runs (a sweep's swept ones) against one metric, a
 * point per run: where the metric peaks, and whether a wider range would help.
 */
function paramsAgainstMetric(runs: CompareRun[], colours: string[]): HTMLElement {
  for (const c of scatters.splice(0)) c.destroy();
  const section = el('section', { id: 'params-metric', class: 'charts' });
  const params = numericVariedParams(runs);
  const metrics = comparableMetrics(runs);
  if (!params.length || !metrics.length) return section;
  const focus = shown?.focus;
  if (!scatterMetric || !metrics.includes(scatterMetric)) scatterMetric = focus && metrics.includes(focus.metric) ? focus.metric : metrics[0];
  const select = el('select', { id: 'scatter-metric', 'aria-label': 'Metric' }) as HTMLSelectElement;
  for (const m of metrics) select.append(el('option', { value: m }, m));
  select.value = scatterMetric;
  select.addEventListener('change', () => {
    scatterMetric = select.value;
    document.getElementById('params-metric')?.replaceWith(paramsAgainstMetric(runs, colours));
  });
  const goal = focus?.metric === scatterMetric ? ` (${focus.goal === 'min' ? 'lower' : 'higher'} is better)` : '';
  section.append(el('h2', {}, 'Params against ', select, goal));
  for (const param of params) section.append(scatter(runs, param, scatterMetric, colours));
  return section;
}

function scatter(runs: CompareRun[], param: string, metric: string, colours: string[]): HTMLElement {
  const { xs, ys, runIds, log } = paramMetricPoints(runs, param, metric);
  const box = el('figure', { class: 'scatter', 'data-param': param, 'data-metric': metric, 'data-points': String(xs.length), 'aria-label': `${metric} against ${param}, ${xs.length} runs` });
  box.append(el('figcaption', {}, `${metric} against ${param}`, log ? el('span', { class: 'muted' }, ' (log scale)') : ''));
  const { fg, axis } = axisStyle();
  const colour = colours[0] ?? fg;
  const opts: uPlot.Options = {
    ...chartSize(app),
    scales: { x: { time: false, ...(log ? { distr: 3 } : {}) } },
    // Ticks with as many decimals as their spacing needs: close values (0.7831, 0.7838) stay apart.
    axes: [{ ...axis, label: param }, { ...axis, label: metric, size: 60, values: (_u, splits) => tickLabels(splits) }],
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    series: [{ label: param }, { label: metric, stroke: colour, fill: colour, paths: () => null, points: { show: true, size: 9, fill: colour } }],
  };
  box.title = runIds.length ? 'Each point is a run' : 'No run logged both';
  queueMicrotask(() => scatters.push(new uPlot(opts, [xs, ys] as uPlot.AlignedData, box)));
  return box;
}

/** Axis colours from the theme (read when drawn: a theme change redraws). */
function axisStyle(): { fg: string; axis: { stroke: string; grid: { stroke: string; width: number }; ticks: { stroke: string; width: number } } } {
  const css = getComputedStyle(document.body);
  const fg = css.getPropertyValue('--vscode-charts-foreground').trim() || css.getPropertyValue('--vscode-foreground').trim();
  const grid = css.getPropertyValue('--vscode-charts-lines').trim() || 'rgba(128,128,128,0.25)';
  return { fg, axis: { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } } };
}

function tickLabels(splits: number[]): string[] {
  const step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : 0;
  const decimals = step > 0 ? Math.min(12, Math.max(0, Math.ceil(-Math.log10(step)))) : 2;
  return splits.map((v) => v.toFixed(decimals));
}

function clear(): void {
  for (const c of scatters.splice(0)) c.destroy();
  for (const c of charts.values()) c.destroy();
  charts.clear();
  drawnFor = '';
  app.replaceChildren();
}

function legend(runs: CompareRun[], colours: string[]): HTMLElement {
  const list = el('ol', { class: 'legend', 'aria-label': 'Runs' });
  runs.forEach((run, i) => {
    const open = el('button', { type: 'button', class: 'link', title: `Show ${run.id} in the Runs view` }, run.label);
    open.addEventListener('click', () => vscode.postMessage({ type: 'openRun', runId: run.id }));
    const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.background = colours[i];
    list.append(el('li', {}, swatch, open, el('span', { class: `status status-${run.status.toLowerCase()}` }, run.status.toLowerCase()), el('span', { class: 'muted' }, run.experiment)));
  });
  return list;
}

function table(title: string, runs: CompareRun[], rows: CompareRow[], colours: string[], numeric: boolean): HTMLElement {
  const section = el('section', {}, el('h2', {}, title));
  const visible = onlyDifferences ? rows.filter((r) => r.differs) : rows;
  if (!visible.length) {
    section.append(el('p', { class: 'empty' }, rows.length ? 'Every run has the same values.' : 'None logged.'));
    return section;
  }
  const head = el('tr', {}, el('th', { scope: 'col' }, 'key'));
  runs.forEach((run, i) => {
    const th = el('th', { scope: 'col', title: run.id }, run.label);
    th.style.borderBottomColor = colours[i];
    head.append(th);
  });
  const body = el('tbody');
  for (const row of visible) {
    // Differences are marked in text as well as colour: a sign before the key.
    const tr = el('tr', { class: row.differs ? 'differs' : '' }, el('th', { scope: 'row' }, row.differs ? el('span', { class: 'marker', title: 'values differ' }, '≠ ') : '', row.key));
    row.values.forEach((v, i) => {
      const cls = [numeric ? 'num' : '', v === undefined ? 'missing' : '', i === row.lowest ? 'lowest' : '', i === row.highest ? 'highest' : ''].filter(Boolean).join(' ');
      tr.append(el('td', { class: cls, title: v === undefined ? 'not logged' : String(v) }, formatValue(v)));
    });
    body.append(tr);
  }
  section.append(el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, head), body)));
  return section;
}

function chart(runs: CompareRun[], key: string, colours: string[]): HTMLElement {
  const box = el('figure', { class: 'chart', 'aria-label': `${key} over steps, ${runs.length} runs` });
  const { xs, ys, binned } = alignSeries(runs, key);
  box.append(el('figcaption', {}, key, binned ? el('span', { class: 'muted' }, ' (steps binned)') : ''));
  const { axis } = axisStyle();
  const opts: uPlot.Options = {
    ...chartSize(app),
    scales: { x: { time: false } },
    axes: [{ ...axis, label: 'step' }, { ...axis }],
    legend: { show: runs.length <= 12 },
    cursor: { drag: { x: true, y: false } },
    series: [{ label: 'step' }, ...runs.map((r, i) => ({ label: r.label, stroke: colours[i], width: 1.5, spanGaps: true, points: { show: false } }))],
  };
  // The figure has to be in the document before uPlot measures it.
  queueMicrotask(() => charts.set(key, new uPlot(opts, [xs, ...ys] as uPlot.AlignedData, box)));
  return box;
}

function chartSize(container: HTMLElement): { width: number; height: number } {
  return { width: Math.max(320, Math.min(container.clientWidth - 16, 900)), height: 240 };
}

/** The theme's chart colours first, then evenly spread hues for the rest. */
function runColours(n: number): string[] {
  const css = getComputedStyle(document.body);
  const theme = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'].map((c) => css.getPropertyValue(`--vscode-charts-${c}`).trim()).filter(Boolean);
  return Array.from({ length: n }, (_, i) => (i < theme.length ? theme[i] : `hsl(${Math.round((i * 137.508) % 360)}, 65%, 55%)`));
}
