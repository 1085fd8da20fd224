import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './bench.css';
import type { BenchFromWebview, BenchmarkSummary, BenchResult, BenchToWebview } from '../../server/src/protocol';
import { axisStyle, palette } from '../shared/charts';
import { el } from '../shared/el';

declare function acquireVsCodeApi(): { postMessage(message: BenchFromWebview): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;
const charts: uPlot[] = [];
let shown: Extract<BenchToWebview, { type: 'results' }> | undefined;

window.addEventListener('message', (event: MessageEvent<BenchToWebview>) => {
  const m = event.data;
  if (m.type === 'running') {
    shown = undefined;
    clear();
    app.replaceChildren(el('h1', {}, `Benchmarking ${m.model}`), el('p', { class: 'muted', id: 'progress', 'aria-live': 'polite' }, m.message));
  } else if (m.type === 'results') {
    shown = m;
    render();
  } else {
    clear();
    app.replaceChildren(el('p', { class: 'error', role: 'alert', id: 'status' }, m.message));
  }
});
// The theme's colours are read when the charts are drawn: draw again when the theme changes.
new MutationObserver(() => render()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
vscode.postMessage({ type: 'ready' });

function clear(): void {
  for (const c of charts.splice(0)) c.destroy();
}

function render(): void {
  if (!shown) return;
  clear();
  const { report, model, history } = shown;
  const env = report.environment;
  const regressed = new Set(report.regressions.map((r) => `${r.ep}/${r.batch}`));
  const section = el('section', { id: 'results' },
    el('h1', {}, `Benchmark: ${model}`),
    el('p', { class: 'muted' }, `sha256 ${report.model.sha256.replace(/^sha256:/, '').slice(0, 12)} · onnxruntime ${env.onnxruntime} · ${env.cpu} (${env.cpus} cores)${env.gpu ? ` · ${env.gpu}` : ''} · threads ${env.threads || 'default'} · graph optimisation ${env.graphOptimizationLevel}`),
  );
  if (report.fastest) section.append(el('p', { id: 'fastest', class: 'verdict' }, `${report.fastest[0].toUpperCase()}${report.fastest.slice(1)}.`));
  if (report.regressions.length) {
    section.append(el('ul', { id: 'regressions', class: 'regressions' }, ...report.regressions.map((g) => el('li', {}, `Regression: ${g.ep} at batch ${g.batch}, ${g.metric === 'p50Ms' ? `p50 ${ms(g.previous)} → ${ms(g.current)} ms` : `throughput ${g.previous.toFixed(1)} → ${g.current.toFixed(1)} /s`}, ${(100 * g.change).toFixed(1)}% worse than ${g.against.model ?? 'the previous result'}`))));
  }
  const unstable = report.results.filter((r) => !r.stable);
  if (unstable.length) section.append(el('p', { class: 'warning' }, `Not stable within the time allowed (numbers over every window): ${unstable.map((r) => `${r.ep} batch ${r.batch}`).join(', ')}.`));
  for (const u of report.unavailable) section.append(el('p', { class: 'muted' }, `Not measured: ${u.ep}: ${u.reason}.`));
  section.append(resultsTable(report.results, regressed));
  const batches = [...new Set(report.results.map((r) => r.batch))];
  if (batches.length > 1) {
    section.append(
      lineChart('latency-chart', 'Latency against batch size (p50 solid, p99 dashed), ms', report.results, [(r) => r.p50Ms, (r) => r.p99Ms]),
      lineChart('throughput-chart', 'Throughput against batch size, samples/s', report.results, [(r) => r.samplesPerSec]),
    );
  }
  section.append(historyTable(history));
  app.replaceChildren(section);
}

function resultsTable(results: BenchResult[], regressed: Set<string>): HTMLElement {
  const heads = ['provider', 'batch', 'p50 ms', 'p90', 'p95', 'p99', 'p99.9', 'mean', 'std', 'inferences/s', 'samples/s', 'runs', 'stable', 'first inference ms', 'session ms', 'peak RSS MB'];
  return el('div', { class: 'scroll' }, el('table', { id: 'table' },
    el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...results.map((r) => el('tr', { 'data-row': `${r.ep}/${r.batch}`, class: regressed.has(`${r.ep}/${r.batch}`) ? 'regressed' : '' },
      el('td', {}, r.ep), el('td', { class: 'num' }, String(r.batch)), el('td', { class: 'num' }, ms(r.p50Ms)), el('td', { class: 'num' }, ms(r.p90Ms)), el('td', { class: 'num' }, ms(r.p95Ms)), el('td', { class: 'num' }, ms(r.p99Ms)),
      el('td', { class: 'num' }, ms(r.p999Ms)), el('td', { class: 'num' }, ms(r.meanMs)), el('td', { class: 'num' }, ms(r.stdMs)), el('td', { class: 'num' }, r.throughputPerSec.toFixed(1)), el('td', { class: 'num' }, r.samplesPerSec.toFixed(0)),
      el('td', { class: 'num' }, String(r.iterations)), el('td', {}, r.stable ? 'yes' : 'no'), el('td', { class: 'num' }, ms(r.firstInferenceMs)), el('td', { class: 'num' }, ms(r.sessionCreateMs)), el('td', { class: 'num' }, r.peakRssMb.toFixed(0))))),
  ));
}

/** One line per provider and measure against batch size (a log axis: batches grow by factors). */
function lineChart(id: string, caption: string, results: BenchResult[], measures: Array<(r: BenchResult) => number>): HTMLElement {
  const box = el('figure', { class: 'chart', id, 'aria-label': caption }, el('figcaption', {}, caption));
  const batches = [...new Set(results.map((r) => r.batch))].sort((a, b) => a - b);
  const eps = [...new Set(results.map((r) => r.ep))];
  const colours = palette();
  const series: uPlot.Series[] = [{}];
  // Batch sizes grow by factors: evenly spaced, each labelled, rather than a log axis that drops labels.
  const data: Array<Array<number | null>> = [batches.map((_, i) => i)];
  eps.forEach((ep, i) => measures.forEach((measure, k) => {
    series.push({ label: `${ep}${measures.length > 1 ? (k ? ' p99' : ' p50') : ''}`, stroke: colours[i % colours.length], width: 2, dash: k ? [6, 4] : undefined });
    data.push(batches.map((b) => {
      const r = results.find((x) => x.ep === ep && x.batch === b);
      return r ? measure(r) : null;
    }));
  }));
  box.append(el('p', { class: 'legend' }, ...eps.map((ep, i) => el('span', { class: `legend-${i % colours.length}` }, ep))));
  const axis = axisStyle();
  const opts: uPlot.Options = {
    width: Math.max(260, Math.min(720, app.clientWidth - 16)),
    height: 200,
    legend: { show: false },
    scales: { x: { time: false, range: [-0.3, batches.length - 0.7] }, y: { distr: 3 } },
    axes: [
      { ...axis, splits: () => batches.map((_, i) => i), values: (_u: uPlot, ticks: number[]) => ticks.map((t) => (Number.isInteger(t) ? `batch ${batches[t]}` : '')) },
      { ...axis, size: 56, values: (_u: uPlot, ticks: Array<number | null>) => ticks.map((t) => (t === null ? '' : short(t))) },
    ],
    series,
  };
  queueMicrotask(() => charts.push(new uPlot(opts, data as uPlot.AlignedData, box)));
  return box;
}

/** This model's earlier benchmarks (every version), newest first. */
function historyTable(history: BenchmarkSummary[]): HTMLElement {
  const box = el('section', { id: 'history' }, el('h2', {}, 'Earlier results of this model'));
  if (history.length < 2) {
    box.append(el('p', { class: 'muted' }, 'None before this one.'));
    return box;
  }
  box.append(el('div', { class: 'scroll' }, el('table', {},
    el('thead', {}, el('tr', {}, ...['when', 'version', 'p50 ms by provider/batch', 'regressions'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...history.map((b) => el('tr', { class: b.report.regressions.length ? 'regressed' : '' },
      el('td', {}, new Date(b.createdAt).toLocaleString()),
      el('td', {}, b.model ? `${b.model.name}@${b.model.version}` : b.modelPath),
      el('td', {}, b.report.results.map((r) => `${r.ep}/${r.batch}: ${ms(r.p50Ms)}`).join(', ')),
      el('td', {}, b.report.regressions.length ? `${b.report.regressions.length} (vs ${b.report.regressions[0].against.model ?? 'earlier'})` : '—')))),
  )));
  return box;
}

/** 1.2k, 3.4M: axis labels that fit. */
function short(x: number): string {
  const a = Math.abs(x);
  return a >= 1e6 ? `${+(x / 1e6).toPrecision(3)}M` : a >= 1e3 ? `${+(x / 1e3).toPrecision(3)}k` : `${+x.toPrecision(3)}`;
}

function ms(x: number): string {
  return x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(0);
}
