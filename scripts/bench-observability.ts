// What Powertools' Logger and Metrics cost a function, measured on this machine:
//
//   node --require ./scripts/lua-require.cjs --import tsx scripts/bench-observability.ts [invocations]
//
// Runs the same HTTP handlers (a no-op; find-item against a real Redis; find-item plus what a
// checkout adds: one EMF blob of two metrics and one info line) through three chains, each in a
// process of its own, its stdout going to a file as serverless-offline's does:
//   bare           JSON responses and the Redis token, no Powertools
//   powertools     lib/lambda/http.ts's httpRoute: the invocation's log on the context, metrics flushed at once
//   async-context  the same, each invocation run in an AsyncLocalStorage (what Lambda's runtime
//                  does with multi-concurrency, and what lib/lambda/observability.ts avoids: in Node 20
//                  it hooks every promise of the process)
// and prints µs per invocation, one at a time and 32 at once. It starts its own redis-server.
// Metrics are published (POWERTOOLS_METRICS_DISABLED=false), as on AWS.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import middy from '@middy/core';
import { AsyncLocalStorage } from 'node:async_hooks';
import { errorResult, httpRoute, jsonResult, pathParam } from '../lib/lambda/http';
import { loadRedisAuth } from '../lib/clients/redis-auth';
import { emitMetrics, MetricUnit, type InvocationContext } from '../lib/lambda/observability';
import { createItem, findItem } from '../lib/store/stock-store';
import { closeRedisClients } from '../lib/clients/redis';

type Variant = 'bare' | 'powertools' | 'async-context';
const VARIANTS: Variant[] = ['bare', 'powertools', 'async-context'];
type Result = Record<string, number>;

async function child(variant: Variant, invocations: number): Promise<void> {
  const chain = () =>
    variant === 'bare'
      ? middy<any, any>()
          .use({
            after: (request) => void (request.response = jsonResult(200, request.response)),
            onError: (request) => void (request.response = errorResult(request.error)),
          })
          .use(loadRedisAuth())
      : httpRoute();
  const itemId = await createItem(5);
  const find = async (event: any) => findItem(pathParam(event, 'item_id')!);
  const checkoutMetrics = () =>
    emitMetrics({ Verdict: 'paid' }, { Checkouts: [MetricUnit.Count, 1], CheckoutLatency: [MetricUnit.Milliseconds, 1.5] });
  const handlers: Record<string, (event: any, context: InvocationContext) => Promise<unknown>> = {
    noop: async () => ({}),
    find,
    'find+line': async (event, context) => {
      const item = await find(event);
      if (variant !== 'bare') context.log.info('checkout paid', { verdict: 'paid', latencyMs: 1.5 });
      return item;
    },
    'find+metrics': async (event) => {
      const item = await find(event);
      if (variant !== 'bare') checkoutMetrics();
      return item;
    },
    'find+checkout-metrics': async (event, context) => {
      const item = await find(event);
      if (variant !== 'bare') {
        checkoutMetrics();
        context.log.info('checkout paid', { verdict: 'paid', latencyMs: 1.5 });
      }
      return item;
    },
  };
  const storage = new AsyncLocalStorage<string>();
  const event = { pathParameters: { item_id: itemId, order_id: 'x1' } };
  const results: Result = {};
  for (const [name, body] of Object.entries(handlers)) {
    const chained = chain().handler(body as any) as unknown as (
      event: unknown,
      context: { awsRequestId: string; functionName: string },
    ) => Promise<unknown>;
    const handler =
      variant === 'async-context'
        ? (event: unknown, context: { awsRequestId: string; functionName: string }) =>
            storage.run(context.awsRequestId, () => chained(event, context))
        : chained;
    for (const concurrency of [1, 32]) {
      let next = 0;
      const run = async () => {
        while (next < invocations) {
          next += 1;
          await handler(event, { awsRequestId: `r${next}`, functionName: 'sagashop-bench-findItem' });
        }
      };
      for (let warm = 0; warm < 2_000; warm++) await handler(event, { awsRequestId: 'warm', functionName: 'sagashop-bench-findItem' });
      const started = process.hrtime.bigint();
      await Promise.all(Array.from({ length: concurrency }, run));
      results[`${name} ×${concurrency}`] = Number(process.hrtime.bigint() - started) / 1e3 / invocations;
    }
  }
  await closeRedisClients();
  process.send!(results);
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function main(): Promise<void> {
  const invocations = Number(process.argv[2] ?? 20_000);
  const dir = mkdtempSync(join(tmpdir(), 'sagashop-bench-observability-'));
  const port = await freePort();
  const redis: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const table: Record<string, Result> = {};
  try {
    for (const variant of VARIANTS) {
      const log = openSync(join(dir, `${variant}.log`), 'a');
      const worker = spawn(process.execPath, [...process.execArgv, __filename, '--child', variant, String(invocations)], {
        // A Redis without persistence measures the logging alone; durability is told so.
        env: {
          ...process.env,
          REDIS_URL: `redis://127.0.0.1:${port}/0`,
          REDIS_DURABILITY: 'none',
          POWERTOOLS_METRICS_DISABLED: 'false',
        },
        stdio: ['ignore', log, log, 'ipc'],
      });
      table[variant] = await new Promise<Result>((resolve, reject) => {
        worker.once('message', (result) => resolve(result as Result));
        worker.once('exit', (code) => reject(new Error(`${variant} exited (${code}); see ${join(dir, `${variant}.log`)}`)));
      });
      worker.kill();
    }
  } finally {
    redis.kill();
  }
  console.log(`µs per invocation (${invocations} invocations each, stdout to a file):`);
  console.log(['handler'.padEnd(30), ...VARIANTS].join('\t'));
  for (const row of Object.keys(table.bare)) {
    console.log([row.padEnd(30), ...VARIANTS.map((variant) => table[variant][row].toFixed(1))].join('\t'));
  }
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--child') void child(process.argv[3] as Variant, Number(process.argv[4]));
else void main();
