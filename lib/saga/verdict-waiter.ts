import type { RedisClient } from '../clients/redis';
import { logger, type Log } from '../lambda/observability';
import { redisFor } from '../clients/redis';
import { publishedVerdict, publishedVerdictsAreDurable, readVerdict, verdictChannel, type Verdict } from '../store/saga-order';
import { traceHop } from '../lambda/trace';

// A safety net, not a poll: if a wake-up is lost (e.g. the subscriber reconnected), the verdict is
// re-read at least this often.
const RECHECK_MS = 2_000;

let subscriber: Promise<RedisClient> | null = null;
const wakers = new Map<string, Set<(message: string) => void>>();

/** The one subscriber connection of this process, once ready: a SUBSCRIBE sent before ioredis's
 * ready check would turn that check's INFO into an error. */
function subscriberConnection(): Promise<RedisClient> {
  subscriber ??= new Promise((resolve) => {
    const connection = redisFor('order').duplicate();
    connection.on('error', (error: Error) => logger.error('verdict subscriber: connection error', error));
    connection.on('message', (channel: string, message: string) => {
      traceHop?.('woken', channel.slice(channel.lastIndexOf(':') + 1));
      for (const wake of wakers.get(channel) ?? []) wake(message);
    });
    if (connection.status === 'ready') resolve(connection);
    else connection.once('ready', () => resolve(connection));
  });
  return subscriber;
}

/** Closes this process's subscriber connection, if any (tests: a Lambda container just ends). */
export async function closeVerdictSubscriber(): Promise<void> {
  const connection = subscriber;
  subscriber = null;
  if (connection) (await connection).disconnect();
}

async function subscribe(channel: string, log: Log): Promise<void> {
  try {
    await (await subscriberConnection()).subscribe(channel);
  } catch (error) {
    // Without the wake-up the wait still ends: the verdict is re-read every RECHECK_MS.
    log.error(`verdict subscriber: could not subscribe to ${channel}`, error as Error);
  }
}

/**
 * Waits for a saga's verdict until `deadline` (epoch ms) and returns it, or null if it is still
 * open then, or as soon as `stop` aborts. It subscribes before it reads, so a verdict written in
 * between is never missed. The verdict a wake-up carries is answered as it came where the store
 * publishes only durable writes; elsewhere it is read back durably. Its lines go on `log`.
 */
export async function waitForVerdict(sagaId: string, deadline: number, log: Log, stop?: AbortSignal): Promise<Verdict | null> {
  const channel = verdictChannel(sagaId);
  let wake: () => void = () => {};
  let woken = false;
  let published: Verdict | null = null;
  const waker = (message?: string) => {
    woken = true;
    published ??= message === undefined ? null : publishedVerdict(message);
    wake();
  };
  const onAbort = () => waker();
  stop?.addEventListener('abort', onAbort, { once: true });
  let channelWakers = wakers.get(channel);
  if (!channelWakers) {
    channelWakers = new Set();
    wakers.set(channel, channelWakers);
    channelWakers.add(waker);
    await subscribe(channel, log);
  } else {
    channelWakers.add(waker);
  }
  try {
    for (;;) {
      if (stop?.aborted) return null;
      if (published && (await publishedVerdictsAreDurable())) return published;
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
    stop?.removeEventListener('abort', onAbort);
    channelWakers.delete(waker);
    if (channelWakers.size === 0) {
      wakers.delete(channel);
      // Through the connection there is, if any: after closeVerdictSubscriber none is opened again.
      void subscriber?.then((connection) => connection.unsubscribe(channel)).catch(() => {});
    }
  }
}
