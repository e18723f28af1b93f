// Checks a running two-instance TradeWise (started by run-local.sh): both ready, /metrics on both,
// HTTPS enforced, and an account made on one instance usable, and revocable, on the other.
// Plays the TLS-terminating proxy itself: the instances trust 127.0.0.1 (TRUSTED_PROXIES), so a
// request from here with X-Forwarded-Proto: https counts as HTTPS, one without it is plain HTTP.
// Usage: API1=http://127.0.0.1:p1 API2=http://127.0.0.1:p2 METRICS_TOKEN=… node check-topology.mjs
import { randomUUID } from 'node:crypto';

const instances = [process.env.API1, process.env.API2];
const metricsToken = process.env.METRICS_TOKEN;
const readyTimeoutMs = Number(process.env.READY_TIMEOUT_MS ?? 60_000);
if (!instances[0] || !instances[1] || !metricsToken) {
  console.error('check-topology: API1, API2 and METRICS_TOKEN are required');
  process.exit(2);
}

const viaProxy = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.10' };
let failures = 0;

function report(ok, what, detail = '') {
  console.log(`${ok ? 'ok' : 'not ok'} - ${what}${!ok && detail ? ` (${detail})` : ''}`);
  if (!ok) failures++;
}

async function call(base, path, { method = 'GET', headers = {}, body } = {}) {
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(10_000) };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function waitReady(base) {
  const deadline = Date.now() + readyTimeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await call(base, '/ready');
      if (res.status === 200) return { ok: true };
      last = `${res.status} ${res.text}`;
    } catch (error) {
      last = error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { ok: false, last };
}

for (const [i, base] of instances.entries()) {
  const ready = await waitReady(base);
  report(ready.ok, `instance ${i + 1} is ready (database and state store reachable)`, ready.last);
}
if (failures > 0) process.exit(1);

for (const [i, base] of instances.entries()) {
  const metrics = await call(base, '/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });
  report(
    metrics.status === 200 && /^# TYPE http_request_duration_seconds histogram/m.test(metrics.text),
    `instance ${i + 1} serves /metrics to the bearer of METRICS_TOKEN`,
    `${metrics.status}`,
  );
  const anonymous = await call(base, '/metrics');
  report(
    anonymous.status === 401,
    `instance ${i + 1} refuses /metrics without the token`,
    `${anonymous.status}`,
  );

  const plain = await call(base, '/openapi.json');
  report(
    plain.status === 403 && plain.json?.code === 'HTTPS_REQUIRED',
    `instance ${i + 1} refuses plain HTTP (production)`,
    `${plain.status}`,
  );
  const secure = await call(base, '/openapi.json', { headers: viaProxy });
  report(
    secure.status === 200 && /max-age=31536000/.test(secure.headers.get('strict-transport-security') ?? ''),
    `instance ${i + 1} serves HTTPS forwarded by the trusted proxy, with HSTS`,
    `${secure.status}`,
  );
}

const paths = (await call(instances[0], '/openapi.json', { headers: viaProxy })).json?.paths ?? {};
if (paths['/api/v1/auth/register'] && paths['/api/v1/auth/token']) {
  const email = `local-${randomUUID()}@example.test`;
  const password = 'Correct-Horse-42!';
  const registered = await call(instances[0], '/api/v1/auth/register', {
    method: 'POST',
    headers: viaProxy,
    body: { email, password, full_name: 'Local Check' },
  });
  report(registered.status === 201, 'registration on instance 1', `${registered.status} ${registered.text}`);

  const login = await call(instances[1], '/api/v1/auth/token', {
    method: 'POST',
    headers: viaProxy,
    body: { username: email, password },
  });
  const token = login.json?.access_token;
  report(login.status === 200 && typeof token === 'string', 'login on instance 2', `${login.status}`);

  const auth = { ...viaProxy, authorization: `Bearer ${token}` };
  const me = await call(instances[0], '/api/v1/users/me', { headers: auth });
  report(
    me.status === 200 && me.json?.email === email,
    'the token from instance 2 works on instance 1',
    `${me.status}`,
  );

  if (paths['/api/v1/auth/logout']) {
    const logout = await call(instances[1], '/api/v1/auth/logout', { method: 'POST', headers: auth });
    report(
      logout.status >= 200 && logout.status < 300,
      'logout on instance 2',
      `${logout.status} ${logout.text}`,
    );
    const after = await call(instances[0], '/api/v1/users/me', { headers: auth });
    report(after.status === 401, 'the revoked token is refused on instance 1 at once', `${after.status}`);
  }
} else {
  console.log('# skipped: accounts (POST /api/v1/auth/register, /auth/token) are not in this build');
}

console.log(failures === 0 ? '# topology checks passed' : `# ${failures} topology check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
