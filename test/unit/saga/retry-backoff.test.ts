// The backoff of a record a step fails (lib/saga/retry.ts). That the record comes back after it,
// through the real SQS endpoint: test/integration/saga/retry.test.ts.
import { SAGA } from '@lib/saga/definition';
import { retryDelaySeconds } from '@lib/saga/retry';

describe('the retry of a failed record', () => {
  it('waits the declared backoff after each failed delivery, and nothing after the last', () => {
    expect(SAGA.queues.retryBackoffSeconds).toEqual([1, 4, 15, 40]);
    const delays = [1, 2, 3, 4, 5].map((receiveCount) => retryDelaySeconds(receiveCount));
    expect(delays).toEqual([1, 4, 15, 40, 0]);
    // The first two retries come within the checkout's 20 s wait...
    expect(delays[0] + delays[1]).toBeLessThan(20);
    // ...and the last delivery no sooner than a minute after the first failure: a Redis failover
    // (30-60 s on ElastiCache) must not send every message it failed to the dead-letter queue.
    expect(delays.reduce((sum, delay) => sum + delay, 0)).toBeGreaterThanOrEqual(60);
    expect(retryDelaySeconds(7, { backoff: [1, 3], maxReceiveCount: 10 })).toBe(3);
    // A stage whose queues hide a message for 2 s (the chaos runs) retries within those 2 s.
    expect([1, 2, 3, 4].map((receiveCount) => retryDelaySeconds(receiveCount, { longest: 2 }))).toEqual([1, 2, 2, 2]);
  });
});
