import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './drift.css';
import type { DriftChoices, DriftColumn, DriftFromWebview, DriftReport, DriftToWebview } from '../../server/src/protocol';
import { axisStyle, translucent } from '../shared/charts';
import { el, themeColour } from '../shared/el';

declare function acquireVsCodeApi(): { postMessage(message: DriftFromWebview): void; getState(): unknown; setState(state: unknown): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;
let choices: DriftChoices = { models: [], files: [] };
let shown: Extract<DriftToWebview, { type: 'report' }> | undefined;
let selected: string | undefined;
let sortKey: 'drifted' | 'name' | 'statistic' | 'pValue' = 'drifted';
const charts: uPlot[] = [];
const picked = (vscode.getState() as { reference?: string; current?: string } | undefined) ?? {};

window.addEventListener('message', (event: MessageEvent<DriftToWebview>) => {
  const m = event.data;
  if (m.type === 'choices') {
    choices = m.choices;
    renderForm();
  } else if (m.type === 'running') {
    const cancel = el('button', { type: 'button', id: 'cancel', class: 'secondary' }, 'Cancel');
    cancel.addEventListener('click', () => vscode.postMessage({ type: 'cancel' }));
    status(el('div', { id: 'status', class: 'running' }, el('p', { class: 'muted' }, `Comparing ${m.current} with ${m.reference}…`), el('p', { class: 'muted', id: 'progress', 'aria-live': 'polite' }), cancel));
  } else if (m.type === 'progress') {
    const line = document.getElementById('progress');
    if (line) line.textContent = m.message;
  } else if (m.type === 'cancelled') {
    status(el('p', { class: 'muted', id: 'status' }, 'Cancelled: no report was made.'));
  } else if (m.type === 'report') {
    shown = m;
    selected = m.report.columns.find((c) => c.drifted)?.name ?? m.report.columns[0]?.name;
    renderReport();
  } else {
    status(el('p', { class: 'error', role: 'alert', id: 'status' }, m.message));
  }
});
// The theme's colours are read when the charts are drawn: draw again when the theme changes.
new MutationObserver(() => renderReport()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
vscode.postMessage({ type: 'ready' });

function renderForm(): void {
  // New choices (another process wrote the store) must not undo what the user has picked meanwhile.
  for (const id of ['reference', 'current'] as const) {
    const open = document.getElementById(id) as HTMLSelectElement | null;
    if (open?.value) picked[id] = open.value;
  }
  const form = el('form', { id: 'pick', 'aria-label': 'What to compare' });
  const reference = el('select', { id: 'reference', 'aria-label': 'Reference' }) as HTMLSelectElement;
  for (const m of choices.models) reference.append(el('option', { value: `model:${m.id}` }, `${m.id}${m.aliases.length ? ` (@${m.aliases.join(', @')})` : ''} — training data`));
  for (const f of choices.files) reference.append(el('option', { value: `file:${f}` }, f));
  const current = el('select', { id: 'current', 'aria-label': 'Current data' }) as HTMLSelectElement;
  for (const f of choices.files) current.append(el('option', { value: f }, f));
  if (picked.reference && [...reference.options].some((o) => o.value === picked.reference)) reference.value = picked.reference;
  if (picked.current && choices.files.includes(picked.current)) current.value = picked.current;
  const go = el('button', { type: 'submit' }, 'Compare');
  form.append(el('label', { for: 'reference' }, 'Reference'), reference, el('label', { for: 'current' }, 'Current'), current, go);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    picked.reference = reference.value;
    picked.current = current.value;
    vscode.setState(picked);
    const [kind, ...rest] = reference.value.split(':');
    const value = rest.join(':');
    vscode.postMessage({ type: 'compare', reference: kind === 'model' ? { kind: 'model', model: value } : { kind: 'file', path: value }, current: current.value });
  });
  const old = document.getElementById('pick');
  if (old) old.replaceWith(form);
  else {
    app.replaceChildren(form);
    if (!choices.files.length) app.append(el('p', { class: 'empty' }, 'No CSV or Parquet file in this folder yet.'));
  }
}

function status(node: HTMLElement): void {
  document.getElementById('status')?.remove();
  document.getElementById('report')?.remove();
  app.append(node);
}

function renderReport(): void {
  if (!shown) return;
  for (const c of charts.splice(0)) c.destroy();
  const { report, reference, current, history } = shown;
  const d = report.dataset;
  const section = el('section', { id: 'report' });
  section.append(
    el('p', { class: `verdict ${d.drifted ? 'drifted' : 'stable'}`, id: 'verdict' }, `${d.drifted ? 'Dataset drift' : 'No dataset drift'}: ${d.driftedColumns.length} of ${report.columns.length} columns drifted (${pct(d.share)}, threshold ${pct(d.threshold)})`),
    el('p', { class: 'muted' }, `${current} (${report.current.rows.toLocaleString()} rows) against ${reference} (${report.reference.rows.toLocaleString()} rows)`),
    table(report),
  );
  const column = report.columns.find((c) => c.name === selected);
  if (column) section.append(columnChart(column));
  if (report.findings.length) section.append(el('h2', {}, 'Data quality'), el('ul', { class: 'findings' }, ...report.findings.map((f) => el('li', {}, f.message))));
  if (history.length > 1) section.append(historyChart(history));
  document.getElementById('status')?.remove();
  const old = document.getElementById('report');
  if (old) old.replaceWith(section);
  else app.append(section);
}

function table(report: DriftReport): HTMLElement {
  const heads: Array<[typeof sortKey | undefined, string]> = [['name', 'column'], [undefined, 'test'], ['statistic', 'statistic'], ['pValue', 'p-value'], [undefined, 'threshold'], ['drifted', 'drifted'], [undefined, 'nulls ref → cur']];
  const head = el('tr', {}, ...heads.map(([key, label]) => {
    const th = el('th', { scope: 'col', ...(key ? { tabindex: '0', 'aria-sort': key === sortKey ? 'descending' : 'none' } : {}) }, label);
    if (key) {
      const sort = () => {
        sortKey = key;
        renderReport();
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && sort());
    }
    return th;
  }));
  const rows = [...report.columns].sort(compare);
  const body = el('tbody', {}, ...rows.map((c) => {
    const tr = el('tr', { class: [c.drifted ? 'drifted' : '', c.name === selected ? 'selected' : ''].filter(Boolean).join(' '), tabindex: '0', 'data-column': c.name, 'aria-selected': String(c.name === selected) },
      el('td', {}, c.name, el('span', { class: 'muted' }, ` ${c.type}`)),
      el('td', {}, c.test),
      el('td', { class: 'num' }, fmt(c.statistic)),
      el('td', { class: 'num' }, fmt(c.pValue)),
      el('td', { class: 'num' }, String(c.threshold)),
      el('td', { class: 'flag' }, c.drifted ? 'drifted' : 'no'),
      el('td', { class: 'num' }, `${pct(c.nullShare.reference)} → ${pct(c.nullShare.current)}`));
    const pick = () => {
      selected = c.name;
      renderReport();
    };
    tr.addEventListener('click', pick);
    tr.addEventListener('keydown', (e) => e.key === 'Enter' && pick());
    return tr;
  }));
  return el('div', { class: 'scroll' }, el('table', { id: 'columns' }, el('thead', {}, head), body));
}

function compare(a: DriftColumn, b: DriftColumn): number {
  if (sortKey === 'name') return a.name.localeCompare(b.name);
  if (sortKey === 'statistic') return (b.statistic ?? -Infinity) - (a.statistic ?? -Infinity);
  if (sortKey === 'pValue') return (a.pValue ?? Infinity) - (b.pValue ?? Infinity);
  return Number(b.drifted) - Number(a.drifted) || a.name.localeCompare(b.name);
}

/** Reference and current shares over the same bins (numbers) or categories, overlaid as bars. */
function columnChart(c: DriftColumn): HTMLElement {
  const box = el('figure', { class: 'chart', id: 'column-chart', 'aria-label': `Distributions of ${c.name}` });
  box.append(el('figcaption', {}, `${c.name}: `, el('span', { class: 'legend-ref' }, 'reference'), ' and ', el('span', { class: 'legend-cur' }, 'current'), c.distribution?.kind === 'cat' && c.distribution.otherCategories ? el('span', { class: 'muted' }, ` (${c.distribution.otherCategories} more categories not drawn)`) : ''));
  const dist = c.distribution;
  if (!dist) return box;
  const xs = dist.kind === 'num' ? dist.reference.map((_, i) => (dist.edges[i] + dist.edges[i + 1]) / 2) : dist.labels.map((_, i) => i);
  const refColour = themeColour('charts-blue', '#3794ff');
  const curColour = themeColour('charts-orange', '#d18616');
  const bars = uPlot.paths.bars!({ size: [dist.kind === 'num' ? 0.95 : 0.6, 60] });
  const axis = axisStyle();
  const opts: uPlot.Options = {
    width: Math.max(220, app.clientWidth - 8),
    height: 180,
    scales: { x: { time: false } },
    legend: { show: false },
    axes: [{ ...axis, ...(dist.kind === 'cat' ? { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => dist.labels[Math.round(t)] ?? ''), splits: () => dist.labels.map((_, i) => i) } : {}) }, { ...axis, values: (_u: uPlot, ticks: number[]) => ticks.map((t) => pct(t)) }],
    series: [{}, { label: 'reference', stroke: refColour, fill: translucent(refColour), paths: bars, points: { show: false } }, { label: 'current', stroke: curColour, fill: translucent(curColour), paths: bars, points: { show: false } }],
  };
  queueMicrotask(() => charts.push(new uPlot(opts, [xs, dist.reference, dist.current], box)));
  return box;
}

/** The share of drifted columns in each report against the model version, oldest first. */
function historyChart(history: Array<{ createdAt: number; share: number; drifted: boolean }>): HTMLElement {
  const box = el('figure', { class: 'chart', id: 'history-chart', 'aria-label': 'Drift share across reports' }, el('figcaption', {}, 'Share of drifted columns, report by report'));
  const axis = axisStyle();
  const stroke = themeColour('charts-purple', '#b180d7');
  const opts: uPlot.Options = {
    width: Math.max(220, app.clientWidth - 8),
    height: 140,
    legend: { show: false },
    scales: { y: { range: [0, 1] } },
    axes: [{ ...axis }, { ...axis, values: (_u: uPlot, ticks: number[]) => ticks.map((t) => pct(t)) }],
    series: [{}, { label: 'drift share', stroke, width: 2 }],
  };
  queueMicrotask(() => charts.push(new uPlot(opts, [history.map((h) => h.createdAt / 1000), history.map((h) => h.share)], box)));
  return box;
}

function fmt(x: number | null): string {
  if (x === null) return '—';
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) < 1e-4 && x !== 0 ? x.toExponential(2) : x.toFixed(4);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
