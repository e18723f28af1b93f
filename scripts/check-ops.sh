#!/usr/bin/env bash
# Checks the operator assets in ops/ (see ops/README.md):
#   1. ops/prometheus/alerts.yml        promtool check rules
#   2. ops/prometheus/alerts.test.yml   promtool test rules (unit tests of every alert)
#   3. ops/prometheus/prometheus.yml    promtool check config, with a stand-in metrics token file
#   4. the dashboard, the rules and the Grafana provisioning files: they parse; every PromQL
#      expression uses only metrics, labels and label values the service exposes; the dashboard's
#      queries are valid PromQL (promtool parses them); every alert has a test and a runbook section;
#      platform-wide figures (active_sessions_gauge) are taken with max() across instances, never summed.
# Needs node, the project's node_modules (for the `yaml` parser) and promtool; installs promtool from
# Debian's `prometheus` package when missing (root or sudo). Exits non-zero on the first failure.
set -euo pipefail

cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'check-ops: %s\n' "$*" >&2; exit 1; }

ensure_promtool() {
  command -v promtool >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || fail 'promtool is missing and apt-get is not available: install promtool'
  local sudo=''
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail 'promtool is missing; installing it needs root or sudo'
    sudo='sudo'
  fi
  step 'Installing promtool (Debian package prometheus)'
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  command -v promtool >/dev/null 2>&1 || fail 'promtool still missing after installing prometheus'
}

command -v node >/dev/null 2>&1 || fail 'node is required'
ensure_promtool
promtool --version 2>&1 | head -n 1

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

step 'promtool check rules ops/prometheus/alerts.yml'
promtool check rules ops/prometheus/alerts.yml

step 'promtool test rules ops/prometheus/alerts.test.yml'
promtool test rules ops/prometheus/alerts.test.yml

step 'promtool check config ops/prometheus/prometheus.yml'
# The real token file exists only in a deployment; check a copy whose credentials_file points at a
# stand-in, next to a copy of the rules it loads (relative paths resolve from the config file).
token_path='/run/secrets/metrics_token'
grep -q "credentials_file: $token_path\$" ops/prometheus/prometheus.yml \
  || fail "ops/prometheus/prometheus.yml: expected credentials_file: $token_path"
mkdir -p "$tmp/prometheus"
cp ops/prometheus/alerts.yml "$tmp/prometheus/alerts.yml"
printf 'stand-in-token\n' >"$tmp/prometheus/metrics_token"
sed "s|credentials_file: $token_path\$|credentials_file: $tmp/prometheus/metrics_token|" \
  ops/prometheus/prometheus.yml >"$tmp/prometheus/prometheus.yml"
promtool check config "$tmp/prometheus/prometheus.yml"

step 'Dashboard, rules and provisioning: metric names, labels, runbook links'
CHECK_OPS_TMP="$tmp" node --input-type=module <<'JS'
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(`${process.cwd()}/`);
let YAML;
try {
  YAML = require('yaml');
} catch {
  console.error('check-ops: the `yaml` package is missing: run npm install first');
  process.exit(1);
}

const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

// What the service exposes (CONTRACT.md, DESIGN.md). null: any value. Every series also has the
// target labels job and instance. data_exfiltration_attempt is critical in the contract although
// the service does not emit it yet; the alert for it is ready.
const EVENT_TYPES = [
  'token_expired', 'token_invalid', 'token_revoked', 'inactive_user_access', 'login_failed',
  'brute_force_detected', 'suspicious_api_usage', 'unauthorized_access_attempt', 'ip_blocked',
  'rate_limited', 'ssrf_blocked', 'refresh_token_reuse', 'user_throttled', 'alert_failed',
  'data_exfiltration_attempt',
];
const SEVERITIES = ['high', 'medium', 'low'];
const HTTP = { method: null, route: null, status_code: null };
const AUTH = { outcome: ['success', 'failure'] };
const METRICS = {
  security_events_total: { event_type: EVENT_TYPES, severity: SEVERITIES },
  failed_logins_total: {},
  auth_duration_seconds_bucket: { ...AUTH, le: null },
  auth_duration_seconds_sum: AUTH,
  auth_duration_seconds_count: AUTH,
  active_sessions_gauge: {},
  http_request_duration_seconds_bucket: { ...HTTP, le: null },
  http_request_duration_seconds_sum: HTTP,
  http_request_duration_seconds_count: HTTP,
  rate_limit_decisions_total: { limiter: null, outcome: ['allowed', 'limited'] },
  ip_blocks_total: {},
  blocked_requests_total: {},
  token_revocations_total: {
    reason: ['logout', 'logout_all', 'password_change', 'deactivation', 'refresh_reuse', 'session_end'],
  },
  outbound_connection_tests_total: { outcome: ['ok', 'failed', 'refused', 'timeout'] },
  alerts_sent_total: { outcome: ['sent', 'failed'] },
  alert_deliveries_dropped_total: {},
  audit_records_total: {},
  state_store_mirror_in_sync: {},
  state_store_round_trips_total: {},
  up: {},
};
// prom-client's default metrics (collectDefaultMetrics, no prefix).
for (const name of [
  'process_cpu_user_seconds_total', 'process_cpu_system_seconds_total', 'process_cpu_seconds_total',
  'process_start_time_seconds', 'process_resident_memory_bytes', 'process_virtual_memory_bytes',
  'process_heap_bytes', 'process_open_fds', 'process_max_fds', 'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_min_seconds', 'nodejs_eventloop_lag_max_seconds', 'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds', 'nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds', 'nodejs_active_resources', 'nodejs_active_resources_total',
  'nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_requests',
  'nodejs_active_requests_total', 'nodejs_heap_size_total_bytes', 'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
]) METRICS[name] = {};
for (const name of ['nodejs_heap_space_size_total_bytes', 'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes']) METRICS[name] = { space: null };
METRICS.nodejs_version_info = { version: null, major: null, minor: null, patch: null };
for (const suffix of ['bucket', 'sum', 'count']) {
  METRICS[`nodejs_gc_duration_seconds_${suffix}`] = { kind: null, ...(suffix === 'bucket' ? { le: null } : {}) };
}
const TARGET_LABELS = ['job', 'instance'];
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or',
  'unless', 'offset', 'bool', 'inf', 'nan', 'atan2']);

// Metric names in a PromQL expression: identifiers that are not functions, keywords, label names,
// label values, durations or Grafana variables.
function metricNames(expr) {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#[^\n]*/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = s[m.index - 1] ?? '';
    if (/[0-9.$]/.test(before) || KEYWORDS.has(m[0])) continue;
    if (/^\s*\(/.test(s.slice(m.index + m[0].length))) continue;
    names.add(m[0]);
  }
  return names;
}

// Checks name{matchers}: known label names, and known values for = and for plain-word regexes.
function checkSelectors(where, expr, metrics) {
  for (const m of expr.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}/g)) {
    const labels = metrics[m[1]];
    if (labels === undefined) continue; // reported by the metric-name check
    for (const [, label, op, value] of m[2].matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
      if (TARGET_LABELS.includes(label)) continue;
      if (!(label in labels)) {
        problem(where, `${m[1]} has no label "${label}"`);
        continue;
      }
      const allowed = labels[label];
      if (allowed === null) continue;
      const values = op.includes('~') ? (/^[A-Za-z0-9_|]+$/.test(value) ? value.split('|') : []) : [value];
      for (const v of values) if (!allowed.includes(v)) problem(where, `${m[1]}{${label}} never has the value "${v}"`);
    }
  }
}

// Platform-wide figures: counted in the database, the same on every instance. Summed across
// instances they count the platform once per instance; every use goes through max() (or min/avg).
const PLATFORM_WIDE = ['active_sessions_gauge'];
function checkPlatformWide(where, expr) {
  for (const name of PLATFORM_WIDE) {
    const uses = [...expr.matchAll(new RegExp(`\\b${name}\\b`, 'g'))].length;
    const taken = [...expr.matchAll(
      new RegExp(`\\b(?:max|min|avg)\\s*(?:(?:by|without)\\s*\\([^)]*\\)\\s*)?\\(\\s*${name}\\b`, 'g'),
    )].length;
    if (taken < uses) problem(where, `${name} is platform-wide: aggregate it across instances with max(), not sum()`);
  }
}

function checkExpr(where, expr, metrics) {
  if (typeof expr !== 'string' || expr.trim() === '') return problem(where, 'empty expression');
  for (const name of metricNames(expr)) if (!(name in metrics)) problem(where, `unknown metric "${name}"`);
  checkSelectors(where, expr, metrics);
  checkPlatformWide(where, expr);
  // Grouping and matching labels must exist on some metric (an IP address, for one, never does).
  const known = new Set([...TARGET_LABELS, ...Object.values(metrics).flatMap((labels) => Object.keys(labels))]);
  for (const m of expr.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)) {
    for (const label of m[1].split(',').map((l) => l.trim()).filter(Boolean)) {
      if (!known.has(label)) problem(where, `no metric has the label "${label}"`);
    }
  }
}

function readYaml(path) {
  try {
    return YAML.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problem(path, `does not parse: ${error.message}`);
    return undefined;
  }
}

// --- Dashboard ---
const dashPath = 'ops/grafana/tradewise-security.json';
let dash;
try {
  dash = JSON.parse(readFileSync(dashPath, 'utf8'));
} catch (error) {
  console.error(`check-ops: ${dashPath} does not parse: ${error.message}`);
  process.exit(1);
}
if (typeof dash.uid !== 'string' || dash.uid === '') problem(dashPath, 'no uid');
if (!(dash.schemaVersion >= 36)) problem(dashPath, `schemaVersion ${dash.schemaVersion} is older than 36`);
const vars = dash.templating?.list ?? [];
if (!vars.some((v) => v.name === 'datasource' && v.type === 'datasource' && v.query === 'prometheus')) {
  problem(dashPath, 'no ${datasource} variable of type datasource (prometheus)');
}
const exprs = [];
for (const v of vars.filter((v) => v.type === 'query')) {
  exprs.push([`${dashPath} variable ${v.name}`, typeof v.query === 'string' ? v.query : v.query?.query]);
}
const ids = new Set();
const flat = (dash.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
for (const panel of flat) {
  const where = `${dashPath} panel ${panel.id} "${panel.title}"`;
  if (ids.has(panel.id)) problem(where, 'duplicate panel id');
  ids.add(panel.id);
  if (panel.type === 'row') continue;
  if (panel.datasource?.uid !== '${datasource}') problem(where, 'datasource is not ${datasource}');
  if (!(panel.targets?.length > 0)) problem(where, 'no queries');
  for (const t of panel.targets ?? []) {
    if (t.datasource !== undefined && t.datasource.uid !== '${datasource}') problem(where, 'query datasource is not ${datasource}');
    exprs.push([`${where} query ${t.refId}`, t.expr]);
  }
}
if (flat.length < 10) problem(dashPath, `only ${flat.length} panels`);
const labelValues = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\)$/;
const promqlRules = [];
for (const [where, expr] of exprs) {
  const query = typeof expr === 'string' ? (labelValues.exec(expr.trim())?.[1] ?? expr) : expr;
  checkExpr(where, query, METRICS);
  if (typeof query !== 'string') continue;
  // Grafana variables replaced by what Grafana would send, so that promtool can parse the query.
  const plain = query
    .replaceAll('$instance', '.*')
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m');
  if (plain.includes('$')) problem(where, 'uses a Grafana variable the check does not know');
  promqlRules.push({ record: `dashboard:query_${promqlRules.length + 1}`, expr: plain });
}
writeFileSync(`${process.env.CHECK_OPS_TMP}/dashboard-queries.yml`,
  JSON.stringify({ groups: [{ name: 'dashboard', rules: promqlRules }] }, null, 2));

// --- Alert rules ---
const rulesPath = 'ops/prometheus/alerts.yml';
const rules = readYaml(rulesPath)?.groups?.flatMap((g) => g.rules ?? []) ?? [];
const withRecorded = { ...METRICS };
for (const r of rules.filter((r) => r.record)) withRecorded[r.record] = { event_type: EVENT_TYPES, severity: SEVERITIES };
const tested = new Set(
  (readYaml('ops/prometheus/alerts.test.yml')?.tests ?? []).flatMap((t) => (t.alert_rule_test ?? []).map((a) => a.alertname)),
);
const anchors = new Map();
const slug = (heading) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
for (const rule of rules) {
  const where = `${rulesPath} ${rule.alert ?? rule.record}`;
  checkExpr(where, rule.expr, withRecorded);
  if (!rule.alert) continue;
  if (!['critical', 'warning'].includes(rule.labels?.severity)) problem(where, 'severity must be critical or warning');
  for (const key of ['summary', 'description', 'runbook_url']) {
    if (!rule.annotations?.[key]) problem(where, `no ${key} annotation`);
  }
  if (!tested.has(rule.alert)) problem(where, 'no test in ops/prometheus/alerts.test.yml');
  const [file, anchor] = String(rule.annotations?.runbook_url ?? '').split('#');
  if (!file || !anchor || !existsSync(file)) {
    problem(where, `runbook_url "${rule.annotations?.runbook_url}" is not an existing file#anchor`);
    continue;
  }
  if (!anchors.has(file)) {
    const headings = readFileSync(file, 'utf8').split('\n').filter((l) => /^#{1,6} /.test(l));
    anchors.set(file, new Set(headings.map((h) => slug(h.replace(/^#+ /, '')))));
  }
  if (!anchors.get(file).has(anchor)) problem(where, `${file} has no heading for #${anchor}`);
}
if (!rules.some((r) => r.alert)) problem(rulesPath, 'no alerts');

// --- Grafana provisioning ---
const ds = readYaml('ops/grafana/provisioning/datasources/prometheus.yml');
if (ds && !ds.datasources?.some((d) => d.type === 'prometheus' && d.url === 'http://prometheus:9090')) {
  problem('ops/grafana/provisioning/datasources/prometheus.yml', 'no prometheus data source at http://prometheus:9090');
}
const dp = readYaml('ops/grafana/provisioning/dashboards/tradewise.yml');
if (dp && !dp.providers?.some((p) => p.type === 'file' && p.options?.path === '/var/lib/grafana/dashboards')) {
  problem('ops/grafana/provisioning/dashboards/tradewise.yml', 'no file provider for /var/lib/grafana/dashboards');
}

if (problems.length > 0) {
  for (const p of problems) console.error(`check-ops: ${p}`);
  process.exit(1);
}
console.log(`OK: ${exprs.length} dashboard queries in ${flat.length} panels, ${rules.length} rules`);
JS

step 'promtool: the dashboard queries are valid PromQL'
promtool check rules "$tmp/dashboard-queries.yml"

printf '\ncheck-ops: all checks passed\n'
