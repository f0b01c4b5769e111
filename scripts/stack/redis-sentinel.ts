import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from './free-port';
import { startProcess, waitUntil, type ManagedProcess } from './processes';
import { startRedis } from './redis';

/** The master set the sentinel watches, as named in redis-sentinel:// URLs. */
export const MASTER_NAME = 'sagashop';

/** How Sentinel is told to judge: quick enough that a failover takes seconds, not the default 30 s + 3 min. */
const SENTINEL_TIMINGS = { downAfterMs: 1_000, failoverTimeoutMs: 2_000 };

/** Asks the Redis (or sentinel) on `port` one thing, on a connection of its own that never retries. */
export async function ask<T>(port: number, question: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2_000,
  });
  client.on('error', () => {}); // the caller hears it from the command
  try {
    await client.connect();
    return await question(client);
  } finally {
    client.disconnect();
  }
}

/** One field of `INFO replication`. */
export async function replicationField(port: number, field: string): Promise<string | undefined> {
  const info = await ask(port, (client) => client.info('replication'));
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/**
 * Redis as a replicated cache is run on AWS: a master, one asynchronous replica, and one sentinel
 * (quorum 1) that promotes the replica when the master is gone, as ElastiCache does. Clients find
 * the master through the sentinel (`url`). Each node keeps its append-only file in its own folder,
 * so a node started again comes back with what it had.
 */
export class ReplicatedRedis {
  private readonly nodes = new Map<number, ManagedProcess>();
  private sentinel?: ManagedProcess;

  private constructor(
    private readonly dir: string,
    /** The two nodes' ports; which of them is the master changes with each failover. */
    readonly ports: readonly [number, number],
    private readonly sentinelPort: number,
  ) {}

  static async start(dir: string): Promise<ReplicatedRedis> {
    const redis = new ReplicatedRedis(dir, [await freePort(), await freePort()], await freePort());
    const [master, replica] = redis.ports;
    await redis.startNode(master);
    await redis.startNode(replica, master);
    await redis.waitForReplica(replica);
    await redis.startSentinel(master);
    return redis;
  }

  get url(): string {
    return `redis-sentinel://127.0.0.1:${this.sentinelPort}/${MASTER_NAME}`;
  }

  /** The master's port, as the sentinel names it to clients. */
  async masterPort(): Promise<number> {
    const address = (await ask(this.sentinelPort, (client) => client.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME))) as [
      string,
      string,
    ];
    return Number(address[1]);
  }

  async replicaPort(): Promise<number> {
    const master = await this.masterPort();
    return this.ports[0] === master ? this.ports[1] : this.ports[0];
  }

  process(port: number): ManagedProcess | undefined {
    return this.nodes.get(port);
  }

  isUp(port: number): boolean {
    const child = this.nodes.get(port)?.child;
    return Boolean(child && child.exitCode === null && child.signalCode === null);
  }

  /** Starts a node (again) on `port`, from its own append-only file; a replica of `master` if given. */
  async startNode(port: number, master?: number): Promise<void> {
    const node = await startRedis({
      port,
      dataDir: join(this.dir, `redis-${port}`),
      logFile: join(this.dir, `redis-${port}.log`),
      // A full resync starts at once, not after redis's default 5 s wait for more replicas to join it.
      extraArgs: ['--repl-diskless-sync-delay', '0', ...(master === undefined ? [] : ['--replicaof', '127.0.0.1', String(master)])],
    });
    this.nodes.set(port, node);
  }

  /** kill -9 of a node: whatever it had not yet sent its replica is gone with it. */
  async kill(port: number): Promise<void> {
    await this.nodes.get(port)?.stop('SIGKILL', 0);
    this.nodes.delete(port);
  }

  /** Freezes (SIGSTOP) or resumes (SIGCONT) a node without ending it. */
  signal(port: number, signal: 'SIGSTOP' | 'SIGCONT'): void {
    const pid = this.nodes.get(port)?.child.pid;
    if (pid) process.kill(pid, signal);
  }

  /** Until `replica` has its master link up. */
  async waitForReplica(replica: number, timeoutMs = 30_000): Promise<void> {
    try {
      await waitUntil(
        `the Redis on port ${replica} to replicate its master`,
        async () => (await replicationField(replica, 'master_link_status')) === 'up',
        timeoutMs,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.logTails()}`);
    }
  }

  /** The last lines of every node's and the sentinel's log: what a failed wait needs to be understood. */
  private logTails(lines = 12): string {
    const logs = [...this.ports.map((port) => join(this.dir, `redis-${port}.log`)), join(this.dir, 'sentinel.log')];
    return logs
      .filter((file) => existsSync(file))
      .map((file) => `${file} ends:\n  ${readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n  ')}`)
      .join('\n');
  }

  /** Until the sentinel names `port` as the master and that node says it is one. */
  async waitForMaster(port: number, timeoutMs = 30_000): Promise<void> {
    try {
      await waitUntil(
        `the sentinel to promote the Redis on port ${port}`,
        async () => (await this.masterPort()) === port && (await replicationField(port, 'role')) === 'master',
        timeoutMs,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.logTails()}`);
    }
  }

  /** Brings every node back that is down (as a replica: the sentinel reconfigures it) and waits until they replicate. */
  async ensureUp(): Promise<void> {
    const master = await this.masterPort();
    if (!this.isUp(master)) throw new Error(`the master named by the sentinel (port ${master}) is down, and no failover is under way`);
    for (const port of this.ports) {
      if (port === master) continue;
      if (!this.isUp(port)) await this.startNode(port, master);
      await this.waitForReplica(port);
    }
  }

  async stop(): Promise<void> {
    // A frozen node would ignore SIGTERM until its grace ran out.
    for (const port of this.nodes.keys()) this.signal(port, 'SIGCONT');
    await this.sentinel?.stop();
    await Promise.all([...this.nodes.values()].map((node) => node.stop()));
  }

  private async startSentinel(master: number): Promise<void> {
    // The sentinel rewrites its configuration file as it learns and fails over: one of its own.
    const configFile = join(this.dir, 'sentinel.conf');
    writeFileSync(
      configFile,
      [
        `port ${this.sentinelPort}`,
        'bind 127.0.0.1',
        'daemonize no',
        `dir ${this.dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master} 1`,
        `sentinel down-after-milliseconds ${MASTER_NAME} ${SENTINEL_TIMINGS.downAfterMs}`,
        `sentinel failover-timeout ${MASTER_NAME} ${SENTINEL_TIMINGS.failoverTimeoutMs}`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
        '',
      ].join('\n'),
    );
    this.sentinel = startProcess('sentinel', 'redis-sentinel', [configFile], {
      logFile: join(this.dir, 'sentinel.log'),
    });
    // It has found the replica (through the master's INFO) and reaches it: a failover can pick it.
    await waitUntil(
      `redis-sentinel on port ${this.sentinelPort} to watch the master and its replica`,
      async () => {
        const replicas = (await ask(this.sentinelPort, (client) => client.call('SENTINEL', 'replicas', MASTER_NAME))) as string[][];
        return replicas.some(
          (fields) => fields[fields.indexOf('flags') + 1] === 'slave' && fields[fields.indexOf('master-link-status') + 1] === 'ok',
        );
      },
      30_000,
      this.sentinel,
    );
  }
}
