// The container deployment cannot run here (no Docker engine), so these tests read its files and
// check what would break it: paths that do not exist, a proxy the API does not trust, secrets the
// service would refuse, a root user, a missing health check.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';

const read = (path: string) => readFileSync(path, 'utf8');
const dockerfile = read('ops/deploy/Dockerfile');
const compose = read('ops/deploy/compose.yaml');
const nginx = read('ops/deploy/nginx/tradewise.conf');
const prometheus = read('ops/prometheus/prometheus.yml');

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('Dockerfile', () => {
  test('builds on node:20-slim and runs in production mode as an unprivileged user', () => {
    assert.match(dockerfile, /^FROM node:20-slim\b/m);
    assert.match(dockerfile, /NODE_ENV=production/);
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    assert.deepEqual(users, ['node']);
  });

  test('checks its health on /health', () => {
    assert.match(dockerfile, /^HEALTHCHECK .*\n?.*\/health/m);
  });

  test('installs production dependencies only, which include esbuild that builds the bundle it runs', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.ok(pkg.dependencies.esbuild, 'esbuild must be a runtime dependency');
    assert.match(dockerfile, /RUN node scripts\/build\.js/);
    // The image runs what `npm start` runs, with the same Node flags (heap limit included).
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    assert.deepEqual(JSON.parse(cmd ?? 'null'), start.split(' '));
  });

  test('copies only paths that exist, and its ignore file lets them through', () => {
    const ignore = read('ops/deploy/Dockerfile.dockerignore');
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const path of (source as string).split(' ')) {
        assert.ok(existsSync(path), `COPY source ${path}`);
        const top = path.split('/')[0] as string;
        assert.ok(ignore.includes(`!${top}`) || ignore.includes(`!${path}`), `${path} not let through`);
      }
    }
  });
});

describe('docker-entrypoint.sh', () => {
  test('reads FOO_FILE into FOO and drops FOO_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-entry-'));
    try {
      writeFileSync(join(dir, 'secret_key'), 'from-a-secret-file\n');
      const out = execFileSync(
        'sh',
        [
          'ops/deploy/docker-entrypoint.sh',
          'sh',
          '-c',
          'echo "$SECRET_KEY"; printenv SECRET_KEY_FILE || echo gone',
        ],
        { env: { PATH: process.env.PATH, SECRET_KEY_FILE: join(dir, 'secret_key') }, encoding: 'utf8' },
      );
      assert.equal(out, 'from-a-secret-file\ngone\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compose.yaml', () => {
  test('has PostgreSQL 15, Redis 7, two API instances, the proxy, Prometheus and Grafana', () => {
    for (const service of ['api1', 'api2', 'proxy', 'postgres', 'redis', 'prometheus', 'grafana']) {
      assert.match(compose, new RegExp(`^  ${service}:$`, 'm'), service);
    }
    assert.match(compose, /image: postgres:15\b/);
    assert.match(compose, /image: redis:7\b/);
  });

  test('the API trusts exactly the proxy address, which is fixed on the backend network', () => {
    const trusted = /TRUSTED_PROXIES: (\S+)/.exec(compose)?.[1];
    const proxyAddress = /ipv4_address: (\S+)/.exec(compose)?.[1];
    assert.ok(trusted && proxyAddress);
    assert.equal(trusted, proxyAddress);
    const subnet = /subnet: (\d+\.\d+\.\d+)\.0\/24/.exec(compose)?.[1];
    assert.ok(proxyAddress.startsWith(`${subnet}.`));
  });

  test('every mounted file from the repository exists', () => {
    for (const [, source] of compose.matchAll(/^\s+- (\.\.?\/[^:\s]+):/gm)) {
      const path = join('ops/deploy', source as string);
      if (path.startsWith('ops/deploy/certs')) continue; // made by make-secrets.sh
      assert.ok(existsSync(path), path);
    }
  });

  test('secrets come from git-ignored files, never from the compose file itself', () => {
    const files = [...compose.matchAll(/file: \.\/secrets\/(\w+)/g)].map((m) => m[1]);
    assert.ok(files.length >= 6);
    assert.match(read('ops/deploy/.gitignore'), /^secrets\/$/m);
    assert.doesNotMatch(compose, /(SECRET_KEY|ENCRYPTION_KEY|METRICS_TOKEN|PASSWORD): [^/\s]/);
  });

  test('Prometheus gets the token file and the scrape targets its configuration names', () => {
    assert.match(prometheus, /credentials_file: \/run\/secrets\/metrics_token/);
    assert.match(compose, /prometheus:[\s\S]*secrets: \[metrics_token\]/);
    for (const target of ['api1:8000', 'api2:8000']) assert.ok(prometheus.includes(target), target);
  });
});

describe('nginx configuration', () => {
  test('balances over both instances and keeps /metrics private', () => {
    assert.match(nginx, /server api1:8000/);
    assert.match(nginx, /server api2:8000/);
    assert.match(nginx, /location = \/metrics \{\s*return 404;/);
  });

  test('sets the forwarded headers itself instead of passing on what a client sent', () => {
    assert.match(nginx, /proxy_set_header X-Forwarded-For \$remote_addr;/);
    assert.match(nginx, /proxy_set_header X-Forwarded-Proto \$scheme;/);
    assert.doesNotMatch(nginx, /\$proxy_add_x_forwarded_for/);
  });

  test('enforces the same body limit as the service', () => {
    const kib = Number(/client_max_body_size (\d+)k;/.exec(nginx)?.[1]);
    assert.equal(kib * 1024, loadConfig({}).bodyLimitBytes);
  });
});

describe('make-secrets.sh', { skip: haveOpenssl() ? false : 'openssl is not installed' }, () => {
  test('makes secrets that the service accepts in production, and keeps them on a second run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-secrets-'));
    try {
      cpSync('ops/deploy/make-secrets.sh', join(dir, 'make-secrets.sh'));
      execFileSync('bash', [join(dir, 'make-secrets.sh')], { stdio: 'ignore' });
      const secret = (name: string) => readFileSync(join(dir, 'secrets', name), 'utf8');
      const config = loadConfig({
        NODE_ENV: 'production',
        SECRET_KEY: secret('secret_key'),
        ENCRYPTION_KEY: secret('encryption_key'),
        METRICS_TOKEN: secret('metrics_token'),
        DATABASE_URL: secret('database_url'),
        REDIS_URL: secret('redis_url'),
      });
      assert.equal(config.production, true);
      assert.equal(new URL(secret('database_url')).password, secret('postgres_password'));
      assert.equal(new URL(secret('redis_url')).password, secret('redis_password'));
      assert.ok(existsSync(join(dir, 'certs', 'fullchain.pem')));
      const before = secret('secret_key');
      execFileSync('bash', [join(dir, 'make-secrets.sh')], { stdio: 'ignore' });
      assert.equal(secret('secret_key'), before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
