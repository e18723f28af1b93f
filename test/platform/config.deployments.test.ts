// The settings of the deployments operators run (CONTRACT.md): Redis standalone, Sentinel or
// Cluster, and the split between the schema owner and the runtime login role.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

const refused = (env: Record<string, string>, variable: string) =>
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => error instanceof ConfigError && error.variable === variable,
  );

describe('configuration of real deployments', () => {
  test('Sentinel takes host:port pairs and the master name', () => {
    const config = loadConfig({
      REDIS_SENTINELS: '10.0.0.1:26379, sentinel-b:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'tradewise',
      REDIS_PASSWORD: 'pw',
    });
    assert.deepEqual(
      [...config.redisSentinels],
      [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b', port: 26380 },
        { host: '::1', port: 26381 },
      ],
    );
    assert.equal(config.redisSentinelName, 'tradewise');
    assert.equal(config.redisPassword, 'pw');
    assert.equal(config.redisUrl, undefined);
  });

  test('Cluster takes seed nodes', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' });
    assert.deepEqual(
      config.redisClusterNodes.map((n) => n.port),
      [7000, 7001],
    );
  });

  test('a node that is not host:port names its variable', () => {
    refused({ REDIS_CLUSTER_NODES: '127.0.0.1' }, 'REDIS_CLUSTER_NODES');
    refused({ REDIS_CLUSTER_NODES: '127.0.0.1:0' }, 'REDIS_CLUSTER_NODES');
    refused({ REDIS_SENTINELS: 'a b:1', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS');
  });

  test('exactly one Redis topology may be set', () => {
    refused({ REDIS_URL: 'redis://127.0.0.1', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }, 'REDIS_CLUSTER_NODES');
    refused(
      { REDIS_URL: 'redis://127.0.0.1', REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'm' },
      'REDIS_SENTINELS',
    );
  });

  test('Sentinel needs its master name, and the name needs sentinels', () => {
    refused({ REDIS_SENTINELS: '127.0.0.1:26379' }, 'REDIS_SENTINEL_NAME');
    refused({ REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINEL_NAME');
  });

  test('REDIS_PASSWORD is refused beside a standalone URL, which carries its own', () => {
    refused({ REDIS_URL: 'redis://127.0.0.1', REDIS_PASSWORD: 'x' }, 'REDIS_PASSWORD');
  });

  test('a key prefix with a brace is refused: it would become the Redis Cluster hash tag', () => {
    refused({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_KEY_PREFIX: 'tw{x}:' }, 'REDIS_KEY_PREFIX');
    refused({ REDIS_URL: 'redis://127.0.0.1', REDIS_KEY_PREFIX: 'tw}' }, 'REDIS_KEY_PREFIX');
  });

  test('WORKERS accepts any Redis topology with a database, and none without', () => {
    const config = loadConfig({
      WORKERS: '2',
      DATABASE_URL: 'postgres://app@127.0.0.1/tw',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000',
    });
    assert.equal(config.workers, 2);
    refused({ WORKERS: '2', DATABASE_URL: 'postgres://app@127.0.0.1/tw' }, 'WORKERS');
  });

  test('the migration owner and migrate-on-start', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://tw_runtime@127.0.0.1/tw',
      MIGRATION_DATABASE_URL: 'postgres://tw_owner@127.0.0.1/tw',
      MIGRATE_ON_START: 'false',
    });
    assert.equal(config.migrationDatabaseUrl, 'postgres://tw_owner@127.0.0.1/tw');
    assert.equal(config.migrateOnStart, false);
    assert.equal(loadConfig({}).migrateOnStart, true);
    refused({ MIGRATION_DATABASE_URL: 'postgres://tw_owner@127.0.0.1/tw' }, 'MIGRATION_DATABASE_URL');
    refused({ MIGRATE_ON_START: 'sometimes' }, 'MIGRATE_ON_START');
  });
});
