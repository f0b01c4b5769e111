// The walk through the open-saga index when more sagas than a page share one start millisecond
// and stay listed (left waiting, re-sent, or failed): it once re-read the same entries forever,
// and the replay doing it kept the recovery lock, so every later replay did nothing.
import type { SagaMessage } from '@lib/domain/checkout';
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { replayLog } from '@lib/saga/recovery';
import { redisNow } from '@lib/store/redis-clock';
import { openSagaPage, type IndexPosition } from '@lib/store/saga-order';
import { flushDatabase } from '../../support/redis-state';

beforeEach(flushDatabase);
afterAll(closeRedisClients);

async function listOpenSagas(startedAt: number, ids: string[]): Promise<void> {
  const redis = redisFor('order');
  for (const id of ids) {
    await redis.hset(
      `{order}:saga:${id}`,
      'order_id',
      `o-${id}`,
      'user_id',
      'u',
      'items',
      'i 1',
      'total_cost',
      1,
      'started_at',
      startedAt,
      'deadline_at',
      startedAt + 600_000,
      'verdict',
      '',
    );
    await redis.zadd('{order}:sagas:open', startedAt, id);
  }
}

const within = <T>(ms: number, work: Promise<T>) =>
  Promise.race([work, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms))]);

it('a walk of page size 1 past three sagas begun in one millisecond ends and sees each once, in order', async () => {
  const t = 1_700_000_000_000;
  await listOpenSagas(t, ['sa', 'sb', 'sc']);
  await listOpenSagas(t + 1, ['sd']);
  const seen: string[] = [];
  let position: IndexPosition | undefined;
  const walk = (async () => {
    for (let round = 0; round < 10; round++) {
      const page = await openSagaPage(t + 10, 1, position);
      seen.push(...page.sagas.map((saga) => saga.sagaId));
      position = page.last;
      if (!page.full) return 'done';
    }
    return 'too many rounds';
  })();
  expect(await within(5_000, walk)).toBe('done');
  expect(seen).toEqual(['sa', 'sb', 'sc', 'sd']);
}, 20_000);

it('a replay over three sagas begun in one millisecond finishes, and the next replay may run', async () => {
  const t = Math.floor(await redisNow('order')) - 10;
  await listOpenSagas(t, ['sa', 'sb', 'sc']);
  const send = async (_step: string, _message: SagaMessage) => undefined;
  const first = replayLog({ staleMs: 60_000, send, sagaPage: 1, lockMs: 1_000 });
  const outcome = await within(
    6_000,
    first.then(() => 'finished'),
  );
  const second = await replayLog({ staleMs: 60_000, send });
  expect([outcome, second.ran]).toEqual(['finished', true]);
}, 30_000);
