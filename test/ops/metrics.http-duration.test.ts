// http_request_duration_seconds is labelled by method, route pattern and status; no label ever
// takes a raw path, an id or an address, so its series stay bounded whatever clients send.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';

interface Series {
  labels: Record<string, string>;
  value: number;
}

async function scrape(t: TestApp, metric: string): Promise<Series[]> {
  const res = await t.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
  assert.equal(res.statusCode, 200);
  const series: Series[] = [];
  for (const line of res.body.split('\n')) {
    const match = new RegExp(`^${metric}\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[1] as string).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = pair[2] as string;
    }
    series.push({ labels, value: Number(match[2]) });
  }
  return series;
}

describe('HTTP request duration metric', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ METRICS_TOKEN: undefined });
    t.app.get('/test/things/:id', async () => ({ ok: true }));
    await t.app.ready();
  });
  after(() => t.close());

  test('requests are counted by route pattern, never by raw path', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) await t.app.inject({ url: `/test/things/${id}` });
    const counts = await scrape(t, 'http_request_duration_seconds_count');
    const things = counts.filter((s) => s.labels.route === '/test/things/:id');
    assert.equal(things.length, 1);
    assert.deepEqual(things[0]?.labels, { method: 'GET', route: '/test/things/:id', status_code: '200' });
    assert.equal(things[0]?.value, 3);
    for (const series of counts) {
      for (const id of ids) assert.ok(!Object.values(series.labels).some((v) => v.includes(id)));
    }
  });

  test('unknown paths share one "unmatched" series, whatever the path', async () => {
    for (let i = 0; i < 5; i++) await t.app.inject({ url: `/probe/${randomUUID()}` });
    const counts = await scrape(t, 'http_request_duration_seconds_count');
    const unmatched = counts.filter((s) => s.labels.route === 'unmatched' && s.labels.status_code === '404');
    assert.equal(unmatched.length, 1);
    assert.ok((unmatched[0]?.value ?? 0) >= 5);
    assert.ok(!counts.some((s) => s.labels.route?.startsWith('/probe/')));
  });

  test('errors and refusals are counted with their status', async () => {
    await t.app.inject({ url: '/api/v1/bots' });
    await t.app.inject({ method: 'DELETE', url: '/health' });
    const counts = await scrape(t, 'http_request_duration_seconds_count');
    assert.ok(counts.some((s) => s.labels.route === '/api/v1/bots' && s.labels.status_code === '401'));
    assert.ok(counts.some((s) => s.labels.method === 'DELETE' && s.labels.status_code === '405'));
  });

  test('methods outside the implemented set share the label OTHER', async () => {
    await t.app.inject({ method: 'PROPFIND', url: '/health' });
    await t.app.inject({ method: 'TRACE', url: '/health' });
    const counts = await scrape(t, 'http_request_duration_seconds_count');
    assert.ok(counts.some((s) => s.labels.method === 'OTHER' && s.labels.status_code === '501'));
    assert.ok(!counts.some((s) => s.labels.method === 'PROPFIND' || s.labels.method === 'TRACE'));
  });

  test('durations land in the histogram buckets', async () => {
    const buckets = await scrape(t, 'http_request_duration_seconds_bucket');
    const inf = buckets.find((s) => s.labels.route === '/test/things/:id' && s.labels.le === '+Inf');
    assert.equal(inf?.value, 3);
  });

  test('every security event type starts at zero, so the first one already shows as an increase', async () => {
    const events = await scrape(t, 'security_events_total');
    for (const type of ['brute_force_detected', 'unauthorized_access_attempt', 'refresh_token_reuse']) {
      const series = events.find((s) => s.labels.event_type === type);
      assert.ok(series, type);
      assert.equal(series.labels.severity, 'high');
    }
    assert.ok(events.some((s) => s.labels.event_type === 'login_failed' && s.labels.severity === 'medium'));
  });

  test('process metrics are exposed', async () => {
    const res = await t.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
    assert.match(res.body, /^process_cpu_user_seconds_total /m);
    assert.match(res.body, /^nodejs_eventloop_lag_seconds /m);
  });
});
