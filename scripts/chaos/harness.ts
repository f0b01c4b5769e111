import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { httpClient } from '../bench/http-client';
import { startOffline } from '../stack/offline';
import { freePort } from '../stack/free-port';
import { waitUntil, type ManagedProcess } from '../stack/processes';
import { startRedis } from '../stack/redis';
import { ReplicatedRedis } from '../stack/redis-sentinel';
import { startSqs } from '../stack/sqs';
import { failOverLosingWrites, type FailoverReport } from './failover';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short timings, so that a crashed saga is retried, found stale and past its deadline in seconds. */
const CHAOS_TIMINGS = {
  CHECKOUT_WAIT_MS: '4000',
  CHECKOUT_DEADLINE_MS: '3000',
  REPLAY_STALE_MS: '1000',
  QUEUE_VISIBILITY_TIMEOUT: '2',
};

export interface Answer {
  order: string;
  status: number; // 0: no answer (connection refused or reset)
}

export interface ScenarioResult {
  scenario: string;
  kills: number;
  answers: { ok: number; refused: number; failed: number; unanswered: number };
  sagas: number;
  check: string;
  problems: string[];
}

/**
 * A stack whose parts are separate real processes, each of which a scenario may kill -9 and
 * start again: Redis (append-only, same files), the SQS endpoint (in memory: a restart loses every
 * message), and serverless offline.
 */
export class ChaosStack {
  redis?: ManagedProcess;
  /** In place of `redis` when the stack runs a replicated Redis (master, replica, sentinel). */
  replicated?: ReplicatedRedis;
  sqs?: ManagedProcess;
  offline?: ManagedProcess;
  kills = 0;
  readonly answers: Answer[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'sagashop-chaos-'));
  private ports = { redis: 0, sqs: 0, http: 0, lambda: 0 };
  private orderCount = 0;
  private nextOrder = 0;
  private client!: ReturnType<typeof httpClient>;

  constructor(
    readonly name: string,
    private readonly options: { sqsFaults?: string; replicatedRedis?: boolean; durability?: string } = {},
  ) {}

  get api() {
    return `http://127.0.0.1:${this.ports.http}`;
  }

  /** serverless-offline's Lambda invoke endpoint. */
  get lambdaApi() {
    return `http://127.0.0.1:${this.ports.lambda}`;
  }

  private get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...CHAOS_TIMINGS,
      REDIS_URL: this.replicated?.url ?? `redis://127.0.0.1:${this.ports.redis}`,
      ...(this.options.durability ? { REDIS_DURABILITY: this.options.durability } : {}),
      SQS_ENDPOINT: `http://127.0.0.1:${this.ports.sqs}`,
      SQS_PORT: String(this.ports.sqs),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'chaos',
      AWS_SECRET_ACCESS_KEY: 'chaos',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ESBUILD_WORK_FOLDER: `.esbuild-chaos-${process.pid}`,
      SAGASHOP_CRASH_AT: '',
    };
  }

  async start(): Promise<void> {
    this.ports = {
      redis: await freePort(),
      sqs: await freePort(),
      http: await freePort(),
      lambda: await freePort(),
    };
    if (this.options.replicatedRedis) this.replicated = await ReplicatedRedis.start(join(this.dir, 'redis'));
    else await this.startRedis();
    await this.startSqs();
    await this.startOffline();
    this.client = httpClient(this.api, 64);
  }

  async startRedis(): Promise<void> {
    this.redis = await startRedis({
      port: this.ports.redis,
      dataDir: join(this.dir, 'redis'),
      logFile: join(this.dir, 'redis.log'),
    });
  }

  async startSqs(): Promise<void> {
    this.sqs = await startSqs({
      port: this.ports.sqs,
      logFile: join(this.dir, 'sqs.log'),
      faults: this.options.sqsFaults,
    });
  }

  /**
   * serverless offline, optionally with a crash point armed (lib/lambda/faults.ts). Armed, it may die at
   * that point before it is even ready (its event sources resume queued messages at once): that is
   * the fault happening, not a failure to start, and leaves `offline` down.
   */
  async startOffline(crash: { at: string; probability: number } | null = null): Promise<void> {
    try {
      this.offline = await startOffline({
        httpPort: this.ports.http,
        lambdaPort: this.ports.lambda,
        logFile: join(this.dir, 'offline.log'),
        env: {
          ...this.env,
          ...(crash ? { SAGASHOP_CRASH_AT: crash.at, SAGASHOP_CRASH_PROBABILITY: String(crash.probability) } : {}),
        },
      });
    } catch (error) {
      if (!crash || !/exited before it was ready/.test((error as Error).message)) throw error;
      this.offline = undefined;
    }
  }

  /** kill -9: no cleanup, no flush, as a crashed host. */
  async kill(part: 'redis' | 'sqs' | 'offline'): Promise<void> {
    const process = this[part];
    if (!process) return;
    this.kills++;
    await process.stop('SIGKILL');
    this[part] = undefined;
  }

  /** Checkout load while `part` is killed -9 and started again `times` times, at random moments. */
  async loadWhileRestarting(part: 'redis' | 'sqs', times: number, downMs: number): Promise<void> {
    const faults = (async () => {
      for (let round = 0; round < times; round++) {
        await sleep(1_500 + Math.random() * 1_500);
        await this.kill(part);
        await sleep(downMs);
        await (part === 'redis' ? this.startRedis() : this.startSqs());
      }
      await sleep(2_500);
    })();
    await this.load(32, faults);
  }

  /**
   * Checkout load while the replicated Redis fails over, its replica `lagMs` behind (see
   * failOverLosingWrites); the load goes on until the app has paid a checkout on the new master.
   */
  async loadWhileFailingOver(lagMs: number): Promise<FailoverReport> {
    const replicated = this.replicated;
    if (!replicated) throw new Error('loadWhileFailingOver needs a ChaosStack with replicatedRedis');
    const fault = (async () => {
      await sleep(2_000);
      this.kills++;
      const report = await failOverLosingWrites(replicated, lagMs, () => this.anotherPaidCheckout());
      await sleep(1_500);
      return report;
    })();
    await this.load(32, fault);
    return fault;
  }

  /** Until a checkout answered after this call is paid. */
  private async anotherPaidCheckout(): Promise<void> {
    const from = this.answers.length;
    try {
      await waitUntil(
        'a checkout to be paid after the failover',
        async () => this.answers.slice(from).some((answer) => answer.status === 200),
        60_000,
      );
    } catch (error) {
      const statuses = this.answers.slice(from).map((answer) => answer.status);
      throw new Error(
        `${(error as Error).message}; the ${statuses.length} answers meanwhile: ${[...new Set(statuses)].join(', ') || 'none'}`,
      );
    }
  }

  isUp(part: 'redis' | 'sqs' | 'offline'): boolean {
    const child = this[part]?.child;
    return Boolean(child && child.exitCode === null && child.signalCode === null);
  }

  /** `credit` per user: the default runs out after about 600 paid checkouts, and later ones are refused. */
  async seed(orders: number, credit = 6): Promise<void> {
    this.orderCount = orders;
    for (const path of ['/stock/batch_init/50/400/1', `/payment/batch_init/200/${credit}`, `/orders/batch_init/${orders}/50/200/1`]) {
      const { status, body } = await this.client.call('POST', path);
      if (status !== 200) throw new Error(`seeding ${path}: ${status} ${body}`);
    }
  }

  /** Checkouts of fresh orders from `clients` clients until `until` resolves; every answer is kept. */
  async load(clients: number, until: Promise<unknown>): Promise<void> {
    let done = false;
    void until.finally(() => (done = true));
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (!done && this.nextOrder < this.orderCount) {
          const order = String(this.nextOrder++);
          let status = 0;
          try {
            status = (await this.client.call('POST', `/orders/checkout/${order}`)).status;
          } catch {
            await sleep(50); // the gateway is down: do not spin
          }
          this.answers.push({ order, status });
        }
      }),
    );
  }

  private async script(name: 'recover' | 'check', ...args: string[]): Promise<{ code: number; out: string }> {
    try {
      const { stdout } = await run(
        process.execPath,
        ['--require', './scripts/lua-require.cjs', '--import', 'tsx', `scripts/${name}.ts`, ...args],
        {
          cwd: ROOT,
          env: this.env,
          timeout: 120_000,
        },
      );
      return { code: 0, out: stdout };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? 1, out: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
    }
  }

  /**
   * Brings every part back, lets the sagas settle, runs the replay until no saga is open, then
   * `npm run check` and the clients' answers: every 200 is paid, every 4xx charged nothing.
   */
  async settle(): Promise<ScenarioResult> {
    if (this.replicated) await this.replicated.ensureUp();
    else if (!this.isUp('redis')) await this.startRedis();
    if (!this.isUp('sqs')) await this.startSqs();
    if (!this.isUp('offline')) await this.startOffline();
    const problems: string[] = [];
    for (let attempt = 0; ; attempt++) {
      await sleep(1_500);
      const { out } = await this.script('recover', '--stale-ms', '1000');
      if (/recover: 0 open saga/.test(out)) break;
      if (attempt === 20) {
        problems.push(`sagas still open after ${attempt} replays:\n${out}`);
        break;
      }
    }
    const check = await this.script('check');
    if (check.code !== 0) problems.push(check.out);
    const counts = { ok: 0, refused: 0, failed: 0, unanswered: 0 };
    const answered = this.answers.filter((answer) => answer.status === 200 || (answer.status >= 400 && answer.status < 500));
    for (const answer of this.answers) {
      if (answer.status === 200) counts.ok++;
      else if (answer.status >= 400 && answer.status < 500) counts.refused++;
      else if (answer.status >= 500) counts.failed++;
      else counts.unanswered++;
    }
    for (let start = 0; start < answered.length; start += 64) {
      await Promise.all(
        answered.slice(start, start + 64).map(async ({ order, status }) => {
          const { body } = await this.client.call('GET', `/orders/find/${order}`);
          const paid = JSON.parse(body).paid === true;
          if (status === 200 && !paid) problems.push(`order ${order} was answered 200 but is not paid`);
          if (status !== 200 && paid) problems.push(`order ${order} was answered ${status} but is paid`);
        }),
      );
    }
    return {
      scenario: this.name,
      kills: this.kills,
      answers: counts,
      sagas: this.answers.length,
      check: check.out.trim().split('\n').pop() ?? '',
      problems,
    };
  }

  async stop(): Promise<void> {
    this.client?.close();
    for (const part of ['offline', 'sqs', 'redis'] as const) await this[part]?.stop();
    await this.replicated?.stop();
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(join(ROOT, `.esbuild-chaos-${process.pid}`), { recursive: true, force: true });
  }
}

export function describeResult(result: ScenarioResult): string {
  const { ok, refused, failed, unanswered } = result.answers;
  return `${result.scenario}: ${result.kills} kill(s), ${result.sagas} checkouts (200: ${ok}, 4xx: ${refused}, 5xx: ${failed}, no answer: ${unanswered}); ${result.check}; ${result.problems.length === 0 ? 'verdict OK' : `VIOLATED: ${result.problems.length}`}`;
}
