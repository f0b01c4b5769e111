import { redisFor } from '../clients/redis';
import { OPEN_SAGAS_KEY, sagaKey } from './saga-order';

export interface OpenSagaSummary {
  sagaId: string;
  orderId: string | null;
  startedAt: number;
  deadlineAt: number | null;
}

/** The open sagas as an operator sees them: how many, the oldest, and how many are past their deadline. */
export interface OpenSagaOverview {
  open: number;
  /** The oldest open sagas, oldest first (at most `show`). */
  oldest: OpenSagaSummary[];
  /** Open sagas whose deadline has passed, among the `examined` oldest (all of them when examined = open). */
  pastDeadline: number;
  examined: number;
}

/**
 * Reads the open-saga index (scored by start time) and the deadlines of its oldest `examine`
 * entries. Read-only: an index entry whose saga is gone or finished counts as open here, the
 * replay is what tidies the index. Past-deadline sagas are the oldest ones, so examining the
 * oldest counts them all unless more than `examine` are late.
 */
export async function openSagaOverview(now: number, examine = 500, show = 5): Promise<OpenSagaOverview> {
  const redis = redisFor('order');
  const [open, flat] = await Promise.all([redis.zcard(OPEN_SAGAS_KEY), redis.zrange(OPEN_SAGAS_KEY, 0, examine - 1, 'WITHSCORES')]);
  const listed: { sagaId: string; startedAt: number }[] = [];
  for (let i = 0; i < flat.length; i += 2) listed.push({ sagaId: flat[i], startedAt: Number(flat[i + 1]) });
  const records = await Promise.all(listed.map(({ sagaId }) => redis.hmget(sagaKey(sagaId), 'order_id', 'deadline_at')));
  const summaries = listed.map(({ sagaId, startedAt }, index) => {
    const [orderId, deadline] = records[index];
    return {
      sagaId,
      orderId,
      startedAt,
      deadlineAt: deadline === null || deadline === '' ? null : Number(deadline),
    };
  });
  return {
    open,
    oldest: summaries.slice(0, show),
    pastDeadline: summaries.filter((saga) => saga.deadlineAt !== null && saga.deadlineAt < now).length,
    examined: summaries.length,
  };
}
