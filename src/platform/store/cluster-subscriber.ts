// The mirror's subscription in Redis Cluster. A plain PUBLISH reaches every node of a cluster, so
// one connection to any node hears every instance's writes. ioredis's Cluster#subscribe would do,
// but when its node goes away it moves to another one silently (no event), and what was published
// in between is lost without the mirror knowing. This connection says when it drops ('close'), so
// the mirror is dropped with it, and comes back on whichever node the cluster lists then.
import { EventEmitter } from 'node:events';
import type { Cluster, RedisOptions } from 'ioredis';
import { Redis } from 'ioredis';

export class ClusterSubscriber extends EventEmitter {
  private connection: Redis | undefined;
  private channels = new Set<string>();
  private closed = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly seeds: readonly { host: string; port: number }[],
    private readonly options: RedisOptions,
  ) {
    super();
    this.connect();
  }

  get status(): string {
    return this.connection?.status ?? 'connecting';
  }

  async subscribe(channel: string): Promise<void> {
    this.channels.add(channel);
    if (this.connection?.status !== 'ready') throw new Error('subscriber not connected');
    await this.connection.subscribe(channel);
  }

  disconnect(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.connection?.disconnect();
  }

  private pick(): { host: string; port: number } {
    const known = this.cluster.nodes('all').map((node) => ({
      host: node.options.host ?? '127.0.0.1',
      port: node.options.port ?? 6379,
    }));
    const candidates = known.length > 0 ? known : [...this.seeds];
    return candidates[Math.floor(Math.random() * candidates.length)] as { host: string; port: number };
  }

  private connect(): void {
    if (this.closed) return;
    const target = this.pick();
    // No reconnection of its own: a lost node is replaced by another one (see `pick`).
    const connection = new Redis({ ...this.options, ...target, retryStrategy: () => null });
    this.connection = connection;
    connection.on('error', () => {});
    connection.on('message', (channel: string, text: string) => this.emit('message', channel, text));
    connection.on('ready', () => {
      void (async () => {
        try {
          if (this.channels.size > 0) await connection.subscribe(...this.channels);
          this.attempt = 0;
          this.emit('ready');
        } catch {
          connection.disconnect();
        }
      })();
    });
    connection.once('end', () => {
      this.emit('close');
      if (this.closed) return;
      this.attempt++;
      this.timer = setTimeout(() => this.connect(), Math.min(this.attempt * 200, 2_000)).unref();
    });
  }
}
