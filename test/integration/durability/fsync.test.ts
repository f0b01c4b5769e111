// Issue 19, the single local Redis: no message leaves and no answer is given before the write it
// rests on is fsynced. redis-server runs under strace, which records every write() to the
// append-only file, every fdatasync() of it, and every reply written to a client's socket (the
// answers the functions act on, pub/sub wake-ups included); a whole checkout runs through the real
// step functions, and between each write to the file and the next reply there must be an fsync.
// A Redis that would answer before its fsync (appendfsync everysec) is refused by
// REDIS_DURABILITY=fsync: nothing is written, no message sent, the client gets a JSON 5xx.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { closeVerdictSubscriber } from '@lib/saga/verdict-waiter';
import * as sagaStock from '@lib/store/saga-stock';
import { handler as checkoutHandler } from '../../../functions/http/order/checkout';
import { freePort } from '../../../scripts/stack/free-port';
import { startRedis } from '../../../scripts/stack/redis';
import { configureTest } from '../../support/config';
import { call, type Answer } from '../../support/lambda';
import { sagaPump, type SagaPump } from '../../support/saga-pump';
import { smallShop } from '../../support/small-shop';
import { testSqs, useStepQueues } from '../../support/saga-queues';

const sqs = testSqs();
let pump: SagaPump;
const dir = mkdtempSync(join(tmpdir(), 'sagashop-fsync-'));

beforeAll(async () => {
  pump = sagaPump(sqs, await useStepQueues(sqs, `fsync-${process.env.JEST_WORKER_ID}`));
});
afterEach(async () => {
  await closeVerdictSubscriber();
  await closeRedisClients();
});
afterAll(() => {
  sqs.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** redis-server as the stack starts it (scripts/stack/redis.ts), under strace; `stop()` shuts it down and returns the trace. */
async function tracedRedis(name: string, extraArgs: string[] = []) {
  const port = await freePort();
  const trace = join(dir, `${name}.trace`);
  const wrapper = ['strace', '-f', '-tt', '-yy', '-e', 'trace=write,writev,pwrite64,fdatasync,fsync', '-o', trace];
  const server = await startRedis({
    port,
    dataDir: join(dir, name),
    logFile: join(dir, `${name}.log`),
    extraArgs,
    wrapper,
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop(): Promise<string> {
      await server.stop(); // SIGTERM: redis-server ends, then strace with it
      return readFileSync(trace, 'utf8');
    },
  };
}

interface Findings {
  aofWrites: number;
  fsyncs: number;
  replies: number;
  /** Replies written while the append-only file held a write not yet fsynced. */
  repliesBeforeFsync: string[];
}

/**
 * Reads an strace of redis-server in order. A write to the append-only file makes it dirty; a
 * completed fdatasync/fsync of it makes it clean; a reply to a client socket while it is dirty is
 * a reply that could rest on a write a host crash loses.
 */
function readTrace(trace: string): Findings {
  const findings: Findings = { aofWrites: 0, fsyncs: 0, replies: 0, repliesBeforeFsync: [] };
  const unfinishedSync = new Set<string>();
  let dirty = false;
  for (const line of trace.split('\n')) {
    const pid = line.split(' ')[0];
    // "<pid> <time> <call>(<fd><<path>>, ...": strace pads the pid to a fixed width.
    const call = /^\d+\s+\S+ (write|writev|pwrite64|fdatasync|fsync)\(\d+<(.*?)>/.exec(line);
    if (call) {
      const [, name, fd] = call;
      const aof = fd.includes('.aof');
      if (aof && name.startsWith('f')) {
        if (line.includes('<unfinished ...>')) unfinishedSync.add(pid);
        else if (/= 0$/.test(line)) {
          findings.fsyncs += 1;
          dirty = false;
        }
      } else if (aof) {
        findings.aofWrites += 1;
        dirty = true;
      } else if (fd.startsWith('TCP:')) {
        findings.replies += 1;
        if (dirty) findings.repliesBeforeFsync.push(line);
      }
    } else if (/<\.\.\. f(data)?sync resumed>.*= 0$/.test(line) && unfinishedSync.delete(pid)) {
      findings.fsyncs += 1;
      dirty = false;
    }
  }
  return findings;
}

/** A checkout through the HTTP handler, the steps delivered meanwhile by the pump. */
async function checkoutWithSteps(orderId: string): Promise<Answer> {
  let answer: Answer | undefined;
  const answered = call(checkoutHandler, { order_id: orderId }).then((result) => (answer = result));
  await pump.pumpUntil(() => answer !== undefined);
  return answered;
}

it('the Redis the stack starts sends every reply a checkout rests on (answers, pub/sub wake-ups) only after the fsync of the write before it', async () => {
  const redis = await tracedRedis('as-started');
  configureTest({ REDIS_URL: redis.url, REDIS_DURABILITY: 'fsync' });
  const answer = await checkoutWithSteps((await smallShop()).orderId);
  await closeVerdictSubscriber();
  await closeRedisClients();
  const findings = readTrace(await redis.stop());
  expect(answer.status).toBe(200);
  // The trace saw the file written and synced and the replies sent: the check below is not empty.
  expect(findings.aofWrites).toBeGreaterThan(10);
  expect(findings.fsyncs).toBeGreaterThanOrEqual(findings.aofWrites);
  expect(findings.replies).toBeGreaterThan(20);
  expect(findings.repliesBeforeFsync).toEqual([]);
}, 60_000);

it('the same trace of a Redis on appendfsync everysec shows replies sent before their write is fsynced (so the check above can fail)', async () => {
  const redis = await tracedRedis('everysec', ['--appendfsync', 'everysec']);
  configureTest({ REDIS_URL: redis.url, REDIS_DURABILITY: 'none' });
  const answer = await checkoutWithSteps((await smallShop()).orderId);
  await closeVerdictSubscriber();
  await closeRedisClients();
  const findings = readTrace(await redis.stop());
  expect(answer.status).toBe(200);
  expect(findings.repliesBeforeFsync.length).toBeGreaterThan(10);
}, 60_000);

describe('REDIS_DURABILITY=fsync with a Redis that fsyncs once a second and has no WAITAOF (Redis 7.0)', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    const port = await freePort();
    server = await startRedis({
      port,
      dataDir: join(dir, 'everysec'),
      logFile: join(dir, 'everysec.log'),
      extraArgs: ['--appendfsync', 'everysec'],
    });
    configureTest({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_DURABILITY: 'fsync' });
  });
  afterAll(() => server.stop());

  it('a step refuses to act: nothing written, no message sent, and the error says what to change', async () => {
    await redisFor('stock').hset('{stock}:item:e1', 'stock', 10, 'direct', 10, 'price', 3);
    const message = {
      sagaId: 'saga-e1',
      orderId: 'e1',
      userId: 'e1',
      lines: [['e1', 2]] as [string, number][],
      totalCost: 6,
      deadlineAt: Date.now() + 60_000,
    };
    await expect(sagaStock.reserveStock(message)).rejects.toThrow(
      /^REDIS_DURABILITY=fsync, but the Redis at 127\.0\.0\.1:\d+ neither fsyncs each write before answering \(appendonly yes, appendfsync everysec; .*--appendfsync always/,
    );
    expect(await redisFor('stock').hget('{stock}:item:e1', 'stock')).toBe('10');
    expect(await redisFor('stock').exists('{stock}:saga:saga-e1')).toBe(0);
    expect(await pump.waiting('charge-payment')).toBe(0);
  });

  it('checkout answers a JSON 503 saying nothing was changed, without internals, and sends nothing', async () => {
    await redisFor('order').hset('{order}:order:e2', 'user_id', 'e2', 'items', 'e1 2', 'total_cost', 6, 'paid', 0);
    const answer = await call(checkoutHandler, { order_id: 'e2' });
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: expect.stringMatching(/nothing was changed/) });
    expect(answer.body).toEqual({ error: expect.not.stringMatching(/appendfsync|REDIS|redis|127\.0\.0\.1/) });
    expect(await pump.waiting('reserve-stock')).toBe(0);
    expect(await redisFor('order').hget('{order}:order:e2', 'checkout')).toBeNull();
  });
});
