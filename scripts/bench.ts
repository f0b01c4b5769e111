// `npm run bench`: checkout throughput and latency through the full local path
// (HTTP → SQS → saga handlers → Redis), then a consistency check of stock and credit.
// It starts its own stack on free ports unless BENCH_API names a running one.
//   npm run bench                                  5 s warm-up, single client 10 s, then 64 clients 20 s
//   npm run bench -- --warmup 0                    no warm-up (JIT-cold numbers)
//   npm run bench -- --phases 1:10,64:20,128:10    clients:seconds per phase
//   npm run bench -- --items 10 --stock 500        make stock run out (mixes 200 and 400)
//   npm run bench -- --retention 12                finished sagas, markers and log entries kept 12 s (memory stays flat)
//   npm run bench -- --durability none             REDIS_DURABILITY for the stack it starts (none: Redis fsyncs once a second)
//   npm run bench -- --out bench-results           where the results go (JSON + an SVG latency-over-time chart)
//   BENCH_API=http://127.0.0.1:8000 npm run bench  against an instance you started
//   npm run bench -- --profile                     where a checkout's CPU and time go (scripts/bench/profile.ts,
//                                                  docs/performance.md): three stacks in turn, writes profile-<time>.md/.json
//   npm run bench -- --profile functions,hops      only those of its parts (cpu, functions, hops)
import Redis from 'ioredis';
import { httpClient, percentile } from './bench/http-client';
import { summarise, timeline, writeResults, type BenchResults, type PhaseResult } from './bench/results';
import { profile, type PhaseHooks } from './bench/profile';
import { isolatedStackPorts, removeStackFolders, startStack, type RunningStack } from './stack/child-stack';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

export interface Phase {
  clients: number;
  seconds: number;
}

const parsePhases = (text: string): Phase[] =>
  text.split(',').map((phase) => {
    const [clients, seconds] = phase.split(':').map(Number);
    if (!(clients >= 1 && seconds > 0)) throw new Error(`--phases takes clients:seconds pairs, not "${phase}"`);
    return { clients, seconds };
  });
const phases = parsePhases(option('phases', '1:10,64:20'));
const warmupSeconds = Number(option('warmup', '5'));
const retentionSeconds = option('retention', '');
const durability = option('durability', '');
const itemCount = Number(option('items', '1000'));
const startingStock = Number(option('stock', '1000000'));
const userCount = Number(option('users', '10000'));
const startingCredit = Number(option('credit', '1000000'));
const itemPrice = Number(option('price', '1'));
const outDir = option('out', 'bench-results');
// Enough unpaid orders for every phase at up to 3,000 checkouts/s.
const orderCount = Number(
  option('orders', String(Math.min(1_000_000, (phases.reduce((sum, p) => sum + p.seconds, 0) + warmupSeconds) * 3_000))),
);

/** A retention window of `seconds`, with a deadline and grace that fit in it and a replay (which sweeps step markers) every minute. */
function shortRetention(seconds: number): NodeJS.ProcessEnv {
  const third = String(Math.max(1, Math.floor((seconds * 1000) / 3)));
  return {
    SAGA_RETENTION_SECONDS: String(seconds),
    CHECKOUT_DEADLINE_MS: third,
    MESSAGE_GRACE_MS: third,
    REPLAY_RATE: '1 minute',
  };
}

export interface Outcome {
  order: number;
  status: number;
  ms: number;
  /** When it began, in seconds since the run began. */
  at: number;
  /** When it began and ended, performance.now() of this process. */
  began: number;
  ended: number;
}

/** One run: start (or use) a stack, seed it, warm up, run the phases (each between `hooks`), check consistency. */
export interface RunPlan {
  phases: Phase[];
  warmupSeconds: number;
  /** Environment for the stack this run starts (none when BENCH_API names one). */
  stackEnv?: NodeJS.ProcessEnv;
  hooks?: PhaseHooks;
}

async function main(): Promise<void> {
  if (process.argv.includes('--profile')) {
    const parts = option('profile', 'cpu,functions,hops');
    await profile(runBench, {
      phases,
      warmupSeconds,
      outDir,
      usesOwnStack: !process.env.BENCH_API,
      parts: parts.startsWith('--') ? ['cpu', 'functions', 'hops'] : parts.split(','),
    });
    return;
  }
  await runBench({ phases, warmupSeconds });
}

async function runBench(plan: RunPlan): Promise<BenchResults> {
  const { phases, warmupSeconds, hooks } = plan;
  let stack: RunningStack | null = null;
  let ports: Awaited<ReturnType<typeof isolatedStackPorts>> | null = null;
  let api = process.env.BENCH_API;
  if (!api) {
    ports = await isolatedStackPorts();
    console.log('bench: starting a stack on free ports (set BENCH_API to use a running one)...');
    stack = await startStack(ports, {
      ...(retentionSeconds ? shortRetention(Number(retentionSeconds)) : {}),
      ...(durability ? { REDIS_DURABILITY: durability } : {}),
      ...plan.stackEnv,
    });
    api = stack.api;
  }
  // Redis's memory, when we started the stack (and so know where its Redis is).
  const redis = ports ? new Redis({ port: ports.redisPort, host: '127.0.0.1' }) : null;
  const memory = async () =>
    redis ? `Redis ${(Number((await redis.info('memory')).match(/used_memory:(\d+)/)?.[1]) / 2 ** 20).toFixed(1)} MiB` : '';
  const client = httpClient(api, Math.max(...phases.map((p) => p.clients)) + 16);
  const sqsStats = ports ? () => endpointStats(`http://127.0.0.1:${ports.sqsPort}`) : null;
  try {
    console.log(
      `bench: seeding ${itemCount} items (stock ${startingStock}), ${userCount} users (credit ${startingCredit}), ${orderCount} orders`,
    );
    for (const path of [
      `/stock/batch_init/${itemCount}/${startingStock}/${itemPrice}`,
      `/payment/batch_init/${userCount}/${startingCredit}`,
      `/orders/batch_init/${orderCount}/${itemCount}/${userCount}/${itemPrice}`,
    ]) {
      const { status, body } = await client.call('POST', path);
      if (status !== 200) throw new Error(`seeding ${path} answered ${status}: ${body}`);
    }
    let nextOrder = 0;
    const runStarted = performance.now();
    const since = () => (performance.now() - runStarted) / 1000;
    const phaseResults: PhaseResult[] = [];
    const runPhase = async (clients: number, seconds: number, label: string): Promise<Outcome[]> => {
      const phase: Outcome[] = [];
      const started = performance.now();
      const ends = started + seconds * 1000;
      const tty = process.stdout.isTTY;
      const progress = setInterval(() => {
        const elapsed = (performance.now() - started) / 1000;
        const sorted = phase.map((o) => o.ms).sort((a, b) => a - b);
        const line = `  ${label}: ${elapsed.toFixed(0)}/${seconds} s  ${phase.length} checkouts  ${(phase.length / elapsed).toFixed(0)}/s  p50 ${percentile(sorted, 50).toFixed(1)} ms`;
        if (tty) process.stdout.write(`\r${line}   `);
        else if (Math.round(elapsed) % 5 === 0) console.log(line);
      }, 1000);
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (performance.now() < ends && nextOrder < orderCount) {
            const order = nextOrder++;
            const begun = performance.now();
            const at = (begun - runStarted) / 1000;
            let status: number;
            try {
              status = (await client.call('POST', `/orders/checkout/${order}`)).status;
            } catch {
              status = 599;
            }
            const ended = performance.now();
            phase.push({ order, status, ms: ended - begun, at, began: begun, ended });
          }
        }),
      );
      clearInterval(progress);
      if (tty) process.stdout.write(`\r${' '.repeat(100)}\r`);
      return phase;
    };

    const outcomes: Outcome[] = [];
    if (warmupSeconds > 0) {
      // Cold module loads and the JIT are not what we measure; the warm-up's checkouts still count
      // in the consistency check.
      const clients = Math.max(...phases.map((p) => p.clients));
      const warm = await runPhase(clients, warmupSeconds, `warm-up, ${clients} clients`);
      console.log(`warm-up: ${warm.length} checkouts in ${warmupSeconds} s at ${clients} clients (not in the figures below)`);
      outcomes.push(...warm);
    }
    for (const { clients, seconds } of phases) {
      await hooks?.phaseStarts({ clients, redis });
      const from = since();
      const statsBefore = await sqsStats?.();
      const phase = await runPhase(clients, seconds, `${clients} client(s)`);
      const result = summarise(`${clients} client(s)`, clients, phase, from, since());
      await hooks?.phaseEnded({ clients, redis, outcomes: phase, seconds: since() - from });
      report(`${clients} client(s), ${seconds} s`, result);
      if (statsBefore) console.log(`  SQS         ${sqsRequestsLine(statsBefore, (await sqsStats!())!, phase.length)}`);
      phaseResults.push(result);
      if (redis) console.log(`  memory      ${await memory()}`);
      outcomes.push(...phase);
    }
    // A saga answered 5xx may still be finishing: the invariants hold at a quiet moment.
    let consistency = '';
    for (let attempt = 1; !(consistency = await checkConsistency(client.call, outcomes, attempt === 6)); attempt++) {
      console.log(`consistency: not balanced yet (sagas still finishing?); checking again in 5 s (${attempt}/5)`);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    const results: BenchResults = {
      when: new Date().toISOString(),
      settings: {
        phases: phases.map((p) => `${p.clients}:${p.seconds}`).join(','),
        warmupSeconds,
        itemCount,
        startingStock,
        userCount,
        startingCredit,
        itemPrice,
        orderCount,
        api,
      },
      phases: phaseResults,
      timeline: timeline(outcomes.filter((outcome) => outcome.at >= (phaseResults[0]?.from ?? 0))),
      consistency,
    };
    const written = writeResults(outDir, results);
    console.log(`results: ${written.json} and ${written.svg}`);
    return results;
  } finally {
    redis?.disconnect();
    client.close();
    if (stack) await stack.stop();
    if (ports) removeStackFolders(ports);
  }
}

type EndpointStats = {
  connections: number;
  actions: Record<string, { requests: number; messages?: number }>;
};

/** The SQS endpoint's request counts (packages/sqs-endpoint, GET /_endpoint/stats); null from another endpoint. */
async function endpointStats(sqsUrl: string): Promise<EndpointStats | null> {
  const response = await fetch(`${sqsUrl}/_endpoint/stats`).catch(() => null);
  return response?.ok ? ((await response.json()) as EndpointStats) : null;
}

/** Requests per checkout and messages per request of the actions a checkout's hops make. */
function sqsRequestsLine(before: EndpointStats, after: EndpointStats, checkouts: number): string {
  const actions = ['SendMessageBatch', 'ReceiveMessage', 'DeleteMessageBatch'].map((action) => {
    const requests = (after.actions[action]?.requests ?? 0) - (before.actions[action]?.requests ?? 0);
    const messages = (after.actions[action]?.messages ?? 0) - (before.actions[action]?.messages ?? 0);
    return `${action} ${(requests / Math.max(1, checkouts)).toFixed(2)}/checkout × ${(messages / Math.max(1, requests)).toFixed(2)} msg`;
  });
  return `${actions.join(', ')}; ${after.connections - before.connections} new connections`;
}

function report(title: string, phase: PhaseResult): void {
  const { latencyMs, status } = phase;
  console.log(`${title}: ${phase.checkouts} checkouts in ${phase.seconds.toFixed(1)} s = ${phase.perSecond} checkouts/s`);
  console.log(
    `  latency ms  p50 ${latencyMs.p50.toFixed(1)}  p95 ${latencyMs.p95.toFixed(1)}  p99 ${latencyMs.p99.toFixed(1)}  max ${latencyMs.max.toFixed(1)}`,
  );
  console.log(`  status      2xx ${status['2xx']}  4xx ${status['4xx']}  5xx ${status['5xx']}`);
}

/** Reads back every item, user and checked-out order and balances them against the 200s; reports
 * a violation only when `final`, and returns the verdict line ('' while it is not final). */
async function checkConsistency(call: ReturnType<typeof httpClient>['call'], outcomes: Outcome[], final: boolean): Promise<string> {
  const byOrder = new Map(outcomes.map((o) => [o.order, o.status]));
  const checked = [...byOrder.keys()];
  const read = async <T>(paths: string[]): Promise<T[]> => {
    const results: T[] = new Array(paths.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < paths.length) {
          const index = next++;
          results[index] = JSON.parse((await call('GET', paths[index])).body);
        }
      }),
    );
    return results;
  };
  const orders = await read<{
    order_id: string;
    paid: boolean;
    items: [string, number][];
    user_id: string;
    total_cost: number;
  }>(checked.map((o) => `/orders/find/${o}`));
  const items = await read<{ item_id: string; stock: number }>(Array.from({ length: itemCount }, (_, i) => `/stock/find/${i}`));
  const users = await read<{ user_id: string; credit: number }>(Array.from({ length: userCount }, (_, i) => `/payment/find_user/${i}`));
  const expectedStock = new Map(items.map((item) => [item.item_id, startingStock]));
  const expectedCredit = new Map(users.map((user) => [user.user_id, startingCredit]));
  const problems: string[] = [];
  orders.forEach((order, index) => {
    const status = byOrder.get(checked[index])!;
    if (status === 200 && !order.paid) problems.push(`order ${order.order_id} answered 200 but is not paid`);
    if (status >= 400 && status < 500 && order.paid) problems.push(`order ${order.order_id} answered ${status} but is paid`);
    if (order.paid) {
      for (const [item, quantity] of order.items) expectedStock.set(item, expectedStock.get(item)! - quantity);
      expectedCredit.set(order.user_id, expectedCredit.get(order.user_id)! - order.total_cost);
    }
  });
  for (const item of items)
    if (item.stock !== expectedStock.get(item.item_id))
      problems.push(`item ${item.item_id}: stock ${item.stock}, expected ${expectedStock.get(item.item_id)}`);
  for (const user of users)
    if (user.credit !== expectedCredit.get(user.user_id))
      problems.push(`user ${user.user_id}: credit ${user.credit}, expected ${expectedCredit.get(user.user_id)}`);
  const negative = [...items.filter((i) => i.stock < 0), ...users.filter((u) => u.credit < 0)];
  if (negative.length > 0) problems.push(`${negative.length} negative balances`);
  if (problems.length === 0) {
    const verdict = `consistency: OK — ${orders.length} orders, ${items.length} items, ${users.length} users balance exactly against the 200 answers`;
    console.log(verdict);
    return verdict;
  }
  if (!final) return '';
  const verdict = `consistency: VIOLATED (${problems.length})\n  ${problems.slice(0, 20).join('\n  ')}`;
  console.log(verdict);
  process.exitCode = 1;
  return verdict;
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
