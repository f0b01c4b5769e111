import type { SagaMessage } from '@lib/domain/checkout';
import { packBatches, sendToStep } from '@lib/saga/queues';
import { closeSqsClient } from '@lib/clients/sqs';
import { drain, testSqs, useStepQueues } from '../support/saga-queues';

// Through the saga's own sender, against the real local endpoint (which refuses a batch request
// over 1 MiB in total, as AWS does).
const sqs = testSqs();
let queues: Awaited<ReturnType<typeof useStepQueues>>;

const message = (sagaId: string, padding: number): SagaMessage => ({
  sagaId,
  orderId: `o-${sagaId}`,
  userId: 'u1',
  lines: [['a', 1]],
  totalCost: 1,
  deadlineAt: 1_800_000_000_000,
  refusal: 'p'.repeat(padding),
});

beforeAll(async () => {
  queues = await useStepQueues(sqs, `send-size-${process.env.JEST_WORKER_ID}`);
});
afterAll(() => {
  sqs.destroy();
  closeSqsClient();
});

describe('the saga sender splits its batches by size', () => {
  it('delivers ten concurrent messages of ~200 KB each (2 MB together)', async () => {
    const sagas = Array.from({ length: 10 }, (_, index) => `big-${index}`);
    const results = await Promise.allSettled(sagas.map((saga) => sendToStep('reserve-stock', message(saga, 200_000))));
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    const arrived = await drain(sqs, queues['reserve-stock']);
    expect(arrived.map((body) => body.sagaId).sort()).toEqual([...sagas].sort());
    expect(arrived.every((body) => body.refusal.length === 200_000)).toBe(true);
  });

  it('fails a message over 1 MiB alone, with a clear error, and delivers its neighbours', async () => {
    const sent = [
      sendToStep('charge-payment', message('before', 200_000)),
      sendToStep('charge-payment', message('huge', 1_100_000)),
      sendToStep('charge-payment', message('after', 1_000)),
      sendToStep('charge-payment', message('last', 300_000)),
    ];
    const [before, huge, after, last] = await Promise.allSettled(sent);
    expect([before.status, after.status, last.status]).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(huge).toMatchObject({
      status: 'rejected',
      reason: expect.objectContaining({ message: expect.stringMatching(/charge-payment.*1048576 bytes/) }),
    });
    const arrived = await drain(sqs, queues['charge-payment']);
    expect(arrived.map((body) => body.sagaId).sort()).toEqual(['after', 'before', 'last']);
  });

  it('packs in order, ten to a request, and up to exactly 1 MiB together', () => {
    const sizes = (batches: { size: number }[][]) => batches.map((batch) => batch.map((message) => message.size));
    expect(sizes(packBatches(Array.from({ length: 25 }, () => ({ size: 10 }))))).toEqual([
      Array(10).fill(10),
      Array(10).fill(10),
      Array(5).fill(10),
    ]);
    expect(sizes(packBatches([600_000, 448_576, 1, 700_000, 400_000].map((size) => ({ size }))))).toEqual([
      [600_000, 448_576],
      [1, 700_000],
      [400_000],
    ]);
  });

  it('still delivers many small messages', async () => {
    const sagas = Array.from({ length: 25 }, (_, index) => `small-${index}`);
    await Promise.all(sagas.map((saga) => sendToStep('complete-order', message(saga, 10))));
    const arrived = await drain(sqs, queues['complete-order']);
    expect(arrived.map((body) => body.sagaId).sort()).toEqual([...sagas].sort());
  });
});
