import type { RedisClient } from '../redis';
import { redisFor } from '../redis';
import { readVerdict, verdictChannel, type Verdict } from '../store/saga-order';

// A safety net, not a poll: if a wake-up is lost (e.g. the subscriber reconnected), the verdict is
// re-read at least this often.
const RECHECK_MS = 2_000;

let subscriber: RedisClient | null = null;
const wakers = new Map<string, Set<() => void>>();

function subscriberConnection(): RedisClient {
  if (!subscriber) {
    subscriber = redisFor('order').duplicate();
    subscriber.on('message', (channel: string) => {
      for (const wake of wakers.get(channel) ?? []) wake();
    });
  }
  return subscriber;
}

/**
 * Waits for a saga's verdict until `deadline` (epoch ms) and returns it, or null if it is still
 * open then. It subscribes before it reads, so a verdict written in between is never missed.
 */
export async function waitForVerdict(sagaId: string, deadline: number): Promise<Verdict | null> {
  const channel = verdictChannel(sagaId);
  let wake: () => void = () => {};
  let woken = false;
  const waker = () => {
    woken = true;
    wake();
  };
  let channelWakers = wakers.get(channel);
  if (!channelWakers) {
    channelWakers = new Set();
    wakers.set(channel, channelWakers);
    channelWakers.add(waker);
    await subscriberConnection().subscribe(channel);
  } else {
    channelWakers.add(waker);
  }
  try {
    for (;;) {
      const verdict = await readVerdict(sagaId);
      if (verdict) return verdict;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, RECHECK_MS));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      woken = false;
    }
  } finally {
    channelWakers.delete(waker);
    if (channelWakers.size === 0) {
      wakers.delete(channel);
      void subscriberConnection().unsubscribe(channel).catch(() => {});
    }
  }
}
