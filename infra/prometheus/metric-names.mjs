// The metric names the alert rules and the Grafana dashboard query, and the ones the code
// registers, so tests can tell a query that can never match (a typo, a renamed metric) from one
// that waits for data. Built-ins only.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const RULES = 'infra/prometheus/alerts.yml';
export const DASHBOARD = 'infra/grafana/voltstream.json';

/** Series Prometheus records itself for every target; no service exports them. */
export const RECORDED_BY_PROMETHEUS = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** The `expr:` of every rule; a block scalar (`expr: |`) runs while lines stay indented deeper. */
export function ruleExpressions(yaml) {
  const lines = yaml.split('\n');
  const found = [];
  lines.forEach((line, index) => {
    const match = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!match) return;
    if (!/^[|>]/.test(match[2])) return void found.push(match[2].replace(/^'(.*)'$/, '$1'));
    const body = [];
    for (const next of lines.slice(index + 1)) {
      if (next.trim() && next.search(/\S/) <= match[1].length) break;
      body.push(next);
    }
    found.push(body.join('\n'));
  });
  return found;
}

/** Every `expr` of the dashboard's panels (rows hold panels too). */
export function dashboardExpressions(dashboard) {
  const found = [];
  const walk = (panels = []) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr) found.push(target.expr);
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  return found;
}

/**
 * Metric names in a PromQL expression: identifiers left once strings, label matchers, range
 * selectors and grouping clauses are gone, that are neither a function call nor a keyword.
 */
export function metricNamesIn(expr) {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set();
  for (const match of bare.matchAll(/(?<![\w$.])([A-Za-z_:][\w:]*)(?![\w:])(\s*\()?/g)) {
    if (!match[2] && !KEYWORDS.has(match[1].toLowerCase())) names.add(match[1]);
  }
  return [...names];
}

/** name → where it is queried (`alerts.yml`, `voltstream.json`), for the rules and dashboard. */
export function queriedMetricNames(root) {
  const sources = [
    [RULES, ruleExpressions(readFileSync(join(root, RULES), 'utf8'))],
    [DASHBOARD, dashboardExpressions(JSON.parse(readFileSync(join(root, DASHBOARD), 'utf8')))],
  ];
  const names = new Map();
  for (const [file, expressions] of sources) {
    for (const name of expressions.flatMap(metricNamesIn)) {
      names.set(name, [...new Set([...(names.get(name) ?? []), file])]);
    }
  }
  return names;
}

/** The series names a metric family exposes: a histogram's and summary's come with suffixes. */
export function seriesNames(name, type) {
  if (type === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

/** Series names a /metrics text exposes, from its `# TYPE` lines (present before any sample). */
export function exposedSeriesNames(text) {
  return [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) => seriesNames(name, type));
}

/**
 * Series names the TypeScript sources register with prom-client (`new Gauge({ name: ... })`)
 * or through ServiceMetrics.gaugeFrom; prom-client's default metrics are not among them.
 */
export function registeredSeriesNames(root) {
  const names = new Set();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (entry.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name)) {
        const source = readFileSync(path, 'utf8');
        for (const [, type, name] of source.matchAll(
          /new (Counter|Gauge|Histogram|Summary)\(\{\s*name: '(\w+)'/g,
        )) {
          for (const series of seriesNames(name, type.toLowerCase())) names.add(series);
        }
        for (const [, name] of source.matchAll(/\.gaugeFrom\(\s*'(\w+)'/g)) names.add(name);
      }
    }
  };
  walk(join(root, 'apps'));
  walk(join(root, 'libs'));
  return names;
}
