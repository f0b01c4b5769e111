// `serverless offline start` run by itself rather than by `npm start` (whose launcher starts Redis
// and the SQS endpoint first and passes REDIS_URL and SQS_ENDPOINT on): the companion plugin
// (scripts/offline/plugin.ts) starts the same two parts the launcher would, with the same
// ports, data folder, append-only file, logs and run records, so that both commands serve the same
// stack and each finds what the other left. It stops them when serverless offline stops.
import Redis from 'ioredis';
import { basename, join, relative } from 'node:path';
import { readConfig } from '../../lib/clients/config';
import { parseRedisUrl } from '../../lib/clients/redis-url';
import { redactUrl } from '../../lib/clients/secrets';
import { isOurs, readRecord, removeRecord, stopLeftovers, waitForExit, writeRecord, type RunRecord } from './leftovers';
import type { ManagedProcess } from './processes';
import { redisDataDir, startRedis } from './redis';
import { stackSettings } from './settings';
import { SQS_PROCESS_MATCH, startSqs } from './sqs';

/** Per part: SIGTERM, then SIGKILL after this long (as the launcher gives them). */
const GRACE_MS: Record<string, number> = { sqs: 5_000, redis: 10_000 };
const graceOf = (name: string) => GRACE_MS[name] ?? 10_000;

/** A folder as the user would type it: relative inside the working folder, absolute outside. */
const show = (path: string) => {
  const inside = relative(process.cwd(), path);
  return inside.startsWith('..') ? path : inside || '.';
};
const partLine = (name: string, where: string, what: string) => `  ${name.padEnd(6)} ${where.padEnd(30)} ${what}`;

export class OfflineStack {
  private readonly settings = stackSettings();
  private readonly runDir = join(this.settings.dataDir, 'run');
  private readonly parts: ManagedProcess[] = [];
  private claimed = false;

  /** `say` prints one line. */
  constructor(private readonly say: (line: string) => void) {}

  /** What the environment names, so that nothing is started here. */
  get given(): { redis: boolean; sqs: boolean } {
    return { redis: this.settings.externalRedis, sqs: Boolean(this.settings.externalSqs) };
  }

  /** False when the environment names a Redis and an SQS endpoint (as npm start's launcher does). */
  get needed(): boolean {
    return !this.given.redis || !this.given.sqs;
  }

  /** Starts what the environment does not name; returns the variables the functions must see. */
  async start(): Promise<Record<string, string>> {
    const started: Record<string, string> = {};
    if (!this.needed) return started;
    this.say('sagashop: starting what serverless offline needs (Ctrl-C stops it with serverless offline)');
    await this.claimDataDir();
    const leftovers = await stopLeftovers(this.runDir, graceOf, (list) => this.say(`  found leftovers of a previous run that was not stopped: ${list}; stopping them cleanly`));
    if (leftovers > 0) this.say('  leftovers stopped');
    const logs = this.settings.logDir;
    if (this.settings.externalRedis) {
      this.say(partLine('redis', process.env.REDIS_URL || '(one URL per service)', 'external, not started here'));
    } else {
      const port = this.settings.redisPort;
      const dataDir = redisDataDir(this.settings.dataDir);
      // redis-server renames itself to "redis-server 127.0.0.1:<port>".
      const redis = await startRedis({ port, dataDir, logFile: join(logs, 'redis.log'), onSpawn: this.track(port, ['redis-server', String(port)]) });
      started.REDIS_URL = `redis://127.0.0.1:${port}`;
      this.say(partLine('redis', started.REDIS_URL, `append-only data in ${show(dataDir)} (pid ${redis.child.pid})`));
    }
    if (this.settings.externalSqs) {
      this.say(partLine('sqs', this.settings.externalSqs, 'external, not started here'));
    } else {
      const port = this.settings.sqsPort;
      const sqs = await startSqs({ port, logFile: join(logs, 'sqs.log'), onSpawn: this.track(port, SQS_PROCESS_MATCH) });
      started.SQS_ENDPOINT = `http://127.0.0.1:${port}`;
      this.say(partLine('sqs', started.SQS_ENDPOINT, `sagashop SQS endpoint (pid ${sqs.child.pid})`));
    }
    return started;
  }

  /** Stops what start() started, in reverse order (Redis last, so that it syncs its file). */
  async stop(): Promise<void> {
    if (this.claimed) this.recordSelf('stopping');
    for (const part of this.parts.splice(0).reverse()) {
      await part.stop('SIGTERM', graceOf(part.name));
      const ended = await Promise.race([part.exited, Promise.resolve('still running')]);
      // A part still running keeps its run record: the next start finds it and tries again.
      if (ended !== 'still running') removeRecord(this.runDir, part.name);
      this.say(`  stopped ${part.name}${ended === 'SIGKILL' ? `: it did not stop within ${graceOf(part.name) / 1000} s and was killed` : ''}`);
    }
    if (this.claimed) removeRecord(this.runDir, 'launcher');
    this.claimed = false;
  }

  /** For a process that is exiting and cannot wait: SIGTERM to every part still running. */
  stopNow(): void {
    for (const part of this.parts) {
      if (part.child.exitCode !== null || part.child.signalCode !== null || !part.child.pid) continue;
      try {
        process.kill(-part.child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
  }

  /** Its run record goes down before the part is ready: a run killed during start-up leaves a trace. */
  private track(port: number, match: string[]) {
    return (part: ManagedProcess) => {
      this.parts.push(part);
      if (part.child.pid) writeRecord(this.runDir, { name: part.name, pid: part.child.pid, port, match });
    };
  }

  /** This process in the launcher's place: npm start (or another serverless offline) refuses this data folder while it runs. */
  private recordSelf(state: RunRecord['state']): void {
    writeRecord(this.runDir, { name: 'launcher', pid: process.pid, match: [basename(process.argv[1] ?? 'serverless'), 'offline'], state });
    this.claimed = true;
  }

  private async claimDataDir(): Promise<void> {
    const previous = readRecord(this.runDir, 'launcher');
    if (previous && previous.pid !== process.pid && isOurs(previous)) {
      if (previous.state !== 'stopping' || !(await waitForExit(previous.pid, 40_000))) {
        throw new Error(
          `sagashop is already running with data in ${show(this.settings.dataDir)} (pid ${previous.pid}): ` +
            `stop it first (kill ${previous.pid}), or give this one its own DATA_DIR and ports`,
        );
      }
    }
    this.recordSelf('running');
  }
}

/** Any answer within 3 s; else why not. */
async function redisAnswers(url: string): Promise<string | undefined> {
  const endpoint = parseRedisUrl(url);
  // Of a redis-sentinel:// URL, the first sentinel; the credentials are the servers', not its own.
  const credentials = endpoint.sentinelMaster ? {} : { username: endpoint.username, password: endpoint.password };
  const client = new Redis({
    ...endpoint.seeds[0],
    tls: endpoint.tls ? {} : undefined,
    ...credentials,
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The connection's own error says why (ECONNREFUSED...); connect() then rejects with only
  // "Connection is closed".
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return (cause ?? (error as Error)).message;
  } finally {
    client.disconnect();
  }
}

async function sqsAnswers(endpoint: string): Promise<string | undefined> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(3_000) });
    return undefined;
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}

/**
 * The one line that says which dependency of the functions cannot be reached, checked once at
 * start-up, or undefined when every one answers. `env` is what the functions will see.
 */
export async function unreachable(env: NodeJS.ProcessEnv, check = { redis: true, sqs: true }): Promise<string | undefined> {
  if (check.redis) {
    const problem = await unreachableRedis(env);
    if (problem) return problem;
  }
  if (!check.sqs) return undefined;
  const endpoint = env.SQS_ENDPOINT?.trim();
  if (!endpoint) return 'SQS_ENDPOINT is not set, so no saga step would run';
  const why = await sqsAnswers(endpoint);
  if (why) return `the SQS endpoint ${endpoint} cannot be reached (${why}): start it, or leave SQS_ENDPOINT unset and one is started`;
  return undefined;
}

async function unreachableRedis(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  let urls: string[];
  try {
    urls = [...new Set(Object.values(readConfig(env).redisUrls))];
  } catch (error) {
    return `the functions' configuration is invalid: ${(error as Error).message}`;
  }
  for (const url of urls) {
    const why = await redisAnswers(url);
    if (why) return `Redis at ${redactUrl(url)} cannot be reached (${why}): start it, or leave REDIS_URL unset and one is started`;
  }
  return undefined;
}
