import { redisFor } from '../clients/redis';

const COUNTER_KEY = '{ids}:next';
// Each process reserves ids in blocks: one INCRBY per block instead of one per id. A block that a
// process never used up is simply skipped, so ids stay unique across crashes and restarts.
const BLOCK_SIZE = 100;

// Generated ids start with a letter, so they never collide with batch_init's "0".."n-1".
function formatId(sequence: number): string {
  return `x${sequence.toString(36)}`;
}

/** A source of ids with a block of its own: one per process (`newId`), or one standing for a new process. */
export function idSource(): () => Promise<string> {
  let next = 0;
  let end = 0;
  let refilling: Promise<void> | null = null;
  const refill = async () => {
    const top = await redisFor('ids').incrby(COUNTER_KEY, BLOCK_SIZE);
    next = top - BLOCK_SIZE;
    end = top;
  };
  return async () => {
    while (next >= end) {
      refilling ??= refill().finally(() => {
        refilling = null;
      });
      await refilling;
    }
    return formatId(next++);
  };
}

export const newId = idSource();
