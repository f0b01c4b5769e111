// The replay's lock (one replay at a time) and its fencing token (above every fence any service
// holds), kept apart from what the replay decides.
import Redlock, { ExecutionError, ResourceLockedError, type Lock } from 'redlock';
import { redisFor } from '../clients/redis';
import drawRecoveryTokenLua from '../store/lua/draw-recovery-token.lua';
import { PAYMENT_FENCE_KEY } from '../store/saga-payment';
import { STOCK_FENCE_KEY } from '../store/saga-stock';
import { ORDER_FENCE_KEY } from '../store/saga-order';
import { defineScript } from '../store/script';

const LOCK_KEY = '{order}:recovery:lock';
const EPOCH_KEY = '{order}:recovery:epoch';

const drawRecoveryToken = defineScript({
  name: 'draw-recovery-token',
  source: drawRecoveryTokenLua,
  keys: ['epoch'],
  args: ['floor'],
  reply: { drawn: { token: 'integer' } },
});

/** A token above every fence any service holds, whatever happened to the epoch counter. */
export async function drawToken(): Promise<number> {
  const fences = await Promise.all([
    redisFor('stock').get(STOCK_FENCE_KEY),
    redisFor('payment').get(PAYMENT_FENCE_KEY),
    redisFor('order').get(ORDER_FENCE_KEY),
  ]);
  const floor = Math.max(0, ...fences.map((fence) => Number(fence ?? 0)));
  return (await drawRecoveryToken(redisFor('order'), { epoch: EPOCH_KEY, floor })).token;
}

export interface HeldLock {
  lost: () => boolean;
  release: () => Promise<void>;
  /** What a crash does: stops extending, releases nothing. */
  abandon: () => void;
}

/** Whether an acquire failed only because the lock is held: every vote against it says so. */
async function lockedElsewhere(error: unknown): Promise<boolean> {
  if (!(error instanceof ExecutionError)) return false;
  const attempts = await Promise.all(error.attempts);
  return attempts.every((attempt) => [...attempt.votesAgainst.values()].every((vote) => vote instanceof ResourceLockedError));
}

/**
 * The lock, extended in the background; `lost` turns true once an extension or the release fails.
 * Null when another replay holds it. redlock reports that by throwing: turned into a value here,
 * while any other failure (the order Redis is away) stays an error.
 */
export async function holdLock(lockMs: number): Promise<HeldLock | null> {
  const redlock = new Redlock([redisFor('order')], { retryCount: 0 });
  let lock: Lock;
  try {
    lock = await redlock.acquire([LOCK_KEY], lockMs);
  } catch (error) {
    if (await lockedElsewhere(error)) return null;
    throw error;
  }
  let lost = false;
  const timer = setInterval(() => {
    lock.extend(lockMs).then(
      (extended) => (lock = extended),
      () => (lost = true),
    );
  }, lockMs / 3);
  return {
    lost: () => lost,
    release: async () => {
      clearInterval(timer);
      await lock.release().catch(() => (lost = true));
    },
    abandon: () => clearInterval(timer),
  };
}
