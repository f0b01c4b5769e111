// How fast recovery clears a backlog, measured: seeds a Redis of its own (append-only, as `npm
// start` runs it) with N sagas stuck open past their deadline, a third reserved, a third reserved
// and charged, a third with nothing done, plus N sagas already paid whose stock and payment log
// entries the orphan scan must read; then runs replayLog() until no run says `more`, and prints
// the rate. Usage:
//   node --require ./scripts/lua-require.cjs --import tsx scripts/recovery-rate.ts [--sagas 20000] [--paid N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, readConfig } from '../lib/clients/config';
import { closeRedisClients, redisFor } from '../lib/clients/redis';
import { replayLog } from '../lib/saga/recovery';
import { addItemToOrder, createOrder } from '../lib/store/order-store';
import { beginCheckout, completeOrder, OPEN_SAGAS_KEY } from '../lib/store/saga-order';
import { chargePayment } from '../lib/store/saga-payment';
import { reserveStock } from '../lib/store/saga-stock';
import { freePort } from './stack/free-port';
import { startRedis } from './stack/redis';

const option = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
};

async function seed(count: number, kind: 'stuck' | 'paid'): Promise<void> {
  const batch = 200;
  for (let start = 0; start < count; start += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, async (_, offset) => {
        const n = start + offset;
        const orderId = await createOrder('u');
        await addItemToOrder(orderId, 'i', 1, 1);
        const begun = await beginCheckout(orderId, `saga-${kind}-${n}`, kind === 'stuck' ? 1 : 60_000);
        if (begun.kind !== 'started') throw new Error('not started');
        if (kind === 'paid' || n % 3 > 0) await reserveStock(begun.facts);
        if (kind === 'paid' || n % 3 > 1) await chargePayment(begun.facts);
        if (kind === 'paid') await completeOrder(begun.facts);
      }),
    );
  }
}

async function main(): Promise<void> {
  const sagas = Number(option('sagas', '20000'));
  const paid = Number(option('paid', String(sagas)));
  const dir = mkdtempSync(join(tmpdir(), 'sagashop-recovery-rate-'));
  const port = await freePort();
  const redis = await startRedis({ port, dataDir: join(dir, 'redis'), logFile: join(dir, 'redis.log') });
  const perService = { STOCK_REDIS_URL: '', PAYMENT_REDIS_URL: '', ORDER_REDIS_URL: '', IDS_REDIS_URL: '' };
  // Short windows, so the seeded sagas are past their deadline and their entries old enough to judge.
  configure(
    readConfig({
      ...process.env,
      ...perService,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      CHECKOUT_DEADLINE_MS: '500',
      MESSAGE_GRACE_MS: '500',
      SAGA_RETENTION_SECONDS: '3600',
    }),
  );
  try {
    await redisFor('stock').hset('{stock}:item:i', 'stock', 1e12, 'direct', 1e12, 'price', 1);
    await redisFor('payment').hset('{payment}:user:u', 'credit', 1e12, 'direct', 1e12);
    console.log(`recovery-rate: seeding ${sagas} stuck sagas and ${paid} paid ones (redis on port ${port})`);
    await seed(paid, 'paid');
    await seed(sagas, 'stuck');
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // past deadline + grace + margin
    const began = Date.now();
    let runs = 0;
    let decided = 0;
    let stepEntries = 0;
    for (let more = true; more; runs++) {
      const report = await replayLog({ staleMs: 0, send: async () => {} });
      decided += report.lines.filter((line) => line.action !== 'wait').length;
      stepEntries += report.stepEntries ?? 0;
      more = report.more === true;
      console.log(
        `  run ${runs + 1}: ${report.lines.length} decided in ${report.rounds} round(s), ${report.stepEntries} stock/payment entries judged; more: ${more}`,
      );
    }
    const seconds = (Date.now() - began) / 1000;
    const left = await redisFor('order').zcard(OPEN_SAGAS_KEY);
    console.log(
      `recovery-rate: ${decided} stuck sagas decided (${left} left open) and ${stepEntries} stock/payment log entries judged in ${seconds.toFixed(1)} s over ${runs} run(s): ${(decided / seconds).toFixed(0)} sagas/s, ${(stepEntries / seconds).toFixed(0)} entries/s`,
    );
  } finally {
    await closeRedisClients();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`recovery-rate failed: ${error.stack}`);
  process.exit(1);
});
