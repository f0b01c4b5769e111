import { config } from '../clients/config';
import {
  actUntil,
  checkoutLines,
  MAX_ORDER_ITEMS,
  refusals,
  type CheckoutFacts,
  type SagaMessage,
  type StepOutcome,
} from '../domain/checkout';
import { conflict, invalidInput, notFound, refused } from '../domain/errors';
import { redisFor } from '../clients/redis';
import beginCheckoutLua from './lua/begin-checkout.lua';
import completeOrderLua from './lua/complete-order.lua';
import relistOpenSagaLua from './lua/relist-open-saga.lua';
import { orderKey } from './order-store';
import { publishesOnlyDurableWrites, readDurably } from './durability';
import { defineScript } from './script';

export const sagaKey = (sagaId: string) => `{order}:saga:${sagaId}`;
export const OPEN_SAGAS_KEY = '{order}:sagas:open';
export const ORDER_LOG_KEY = '{order}:log';
export const ORDER_FENCE_KEY = '{order}:recovery:fence';
/** Finished sagas, scored by when recovery's sweep may remove their step markers (epoch ms). */
export const FINISHED_SAGAS_KEY = '{order}:sagas:finished';
/** Pub/sub channel on which complete-order announces a saga's verdict. */
export const verdictChannel = (sagaId: string) => `sagashop:verdict:${sagaId}`;

const beginCheckoutScript = defineScript({
  name: 'begin-checkout',
  source: beginCheckoutLua,
  keys: ['order', 'saga', 'openSagas', 'log'],
  args: ['sagaId', 'deadlineMs', 'orderId', 'retentionMs', 'maxItems'],
  reply: {
    started: { userId: 'string', items: 'string', totalCost: 'string', deadlineAt: 'string' },
    running: { sagaId: 'string' },
    missing: {},
    paid: {},
    empty: {},
    overflow: {},
    'too-many-items': {},
    'saga-exists': {},
  },
});
const completeOrderScript = defineScript({
  name: 'complete-order',
  source: completeOrderLua,
  keys: ['order', 'saga', 'openSagas', 'log', 'fence', 'finishedSagas'],
  args: ['sagaId', 'verdict', 'reason', 'channel', 'retentionMs', 'token', 'actUntil', 'by', 'stockGeneration', 'paymentGeneration'],
  reply: {
    done: { verdict: 'string' },
    already: { verdict: 'string' },
    unknown: {},
    fenced: {},
    expired: {},
    'not-held': {},
  },
});
const relistOpenSagaScript = defineScript({
  name: 'relist-open-saga',
  source: relistOpenSagaLua,
  keys: ['saga', 'openSagas'],
  args: ['sagaId'],
  reply: { relisted: {}, unchanged: {} },
});
type CompleteOutcome = Awaited<ReturnType<typeof completeOrderScript>>['status'];

export type Begun = { kind: 'started'; facts: CheckoutFacts } | { kind: 'running'; sagaId: string };

/** Claims the order for a new saga, or names the saga that already holds it. */
export async function beginCheckout(orderId: string, sagaId: string, deadlineMs = config.checkoutDeadlineMs): Promise<Begun> {
  const reply = await beginCheckoutScript(redisFor('order'), {
    order: orderKey(orderId),
    saga: sagaKey(sagaId),
    openSagas: OPEN_SAGAS_KEY,
    log: ORDER_LOG_KEY,
    sagaId,
    deadlineMs,
    orderId,
    retentionMs: config.retentionMs,
    maxItems: MAX_ORDER_ITEMS,
  });
  switch (reply.status) {
    case 'started':
      return {
        kind: 'started',
        facts: {
          sagaId,
          orderId,
          userId: reply.userId,
          lines: checkoutLines(reply.items),
          totalCost: Number(reply.totalCost),
          deadlineAt: Number(reply.deadlineAt),
        },
      };
    case 'running':
      return { kind: 'running', sagaId: reply.sagaId };
    case 'missing':
      throw notFound(`Order ${orderId} does not exist.`);
    case 'paid':
      throw conflict(`Order ${orderId} is already paid.`);
    case 'empty':
      throw refused(refusals.emptyOrder(orderId));
    case 'overflow':
      throw invalidInput(refusals.quantityOverflow(orderId));
    case 'too-many-items':
      throw invalidInput(refusals.tooManyItems(orderId));
    case 'saga-exists':
      throw new Error(`saga id ${sagaId} is already taken; nothing was written`);
  }
}

/** Writes the verdict, paid unless the message carries a refusal; recovery passes its token. */
export async function writeVerdict(
  message: SagaMessage,
  recoveryToken = '',
  by = recoveryToken ? '' : 'saga step',
): Promise<CompleteOutcome> {
  const reply = await completeOrderScript(redisFor('order'), {
    order: orderKey(message.orderId),
    saga: sagaKey(message.sagaId),
    openSagas: OPEN_SAGAS_KEY,
    log: ORDER_LOG_KEY,
    fence: ORDER_FENCE_KEY,
    finishedSagas: FINISHED_SAGAS_KEY,
    sagaId: message.sagaId,
    verdict: message.refusal === undefined ? 'paid' : 'refused',
    reason: message.refusal ?? '',
    channel: verdictChannel(message.sagaId),
    retentionMs: config.retentionMs,
    token: recoveryToken,
    actUntil: actUntil(message, config.messageGraceMs),
    by,
    stockGeneration: message.stockGeneration ?? '',
    paymentGeneration: message.paymentGeneration ?? '',
  });
  return reply.status;
}

/** complete-order: the saga's verdict, paid unless the message carries a refusal. */
export async function completeOrder(message: SagaMessage, by = 'saga step'): Promise<StepOutcome> {
  const outcome = await writeVerdict(message, '', by);
  if (outcome === 'expired') return { status: 'expired' };
  if (outcome === 'unknown') throw new Error(`complete-order: saga ${message.sagaId} was never begun`);
  if (outcome === 'not-held')
    throw new Error(`complete-order: order ${message.orderId} no longer holds saga ${message.sagaId}; the saga stays open`);
  return { status: 'done' };
}

/** Lists a begun, unfinished saga the open-saga index lost; true if it was missing. */
export async function relistOpenSaga(sagaId: string): Promise<boolean> {
  const reply = await relistOpenSagaScript(redisFor('order'), {
    saga: sagaKey(sagaId),
    openSagas: OPEN_SAGAS_KEY,
    sagaId,
  });
  return reply.status === 'relisted';
}

/** The finished sagas whose step markers no message can need any more (epoch ms `now`). */
export async function sweepableSagas(now: number, limit: number): Promise<string[]> {
  return redisFor('order').zrangebyscore(FINISHED_SAGAS_KEY, '-inf', now, 'LIMIT', 0, limit);
}

export async function forgetSwept(sagaIds: string[]): Promise<void> {
  if (sagaIds.length > 0) await redisFor('order').zrem(FINISHED_SAGAS_KEY, ...sagaIds);
}

export interface OpenSaga extends CheckoutFacts {
  startedAt: number;
}

/** Where a walk through the open-saga index stands: the last entry it read (start time, then id). */
export interface IndexPosition {
  startedAt: number;
  sagaId: string;
}

export interface OpenSagaPage {
  sagas: OpenSaga[];
  /** The last index entry read (listed or tidied away): the next page starts after it. */
  last?: IndexPosition;
  /** True when the page was full, so the index may hold more after `last`. */
  full: boolean;
}

/**
 * One page of the sagas without a verdict that began no later than `before` (epoch ms, the order
 * Redis's clock), oldest first, after `after`. The index orders equal start times by saga id, so
 * a position survives entries removed in between (decided sagas leave the index).
 */
export async function openSagaPage(before: number, limit = 1000, after?: IndexPosition): Promise<OpenSagaPage> {
  const redis = redisFor('order');
  const listed: IndexPosition[] = [];
  if (after) {
    // The rest of `after`'s millisecond first, read whole: Redis orders equal scores by member, and
    // one millisecond holds few sagas. A bounded window here once skipped and re-read the same
    // entries forever when more of them than the window shared one start time.
    const sameMillisecond = await redis.zrangebyscore(OPEN_SAGAS_KEY, after.startedAt, after.startedAt);
    for (const sagaId of sameMillisecond) {
      if (sagaId > after.sagaId && listed.length < limit) listed.push({ sagaId, startedAt: after.startedAt });
    }
  }
  const from = after ? `(${after.startedAt}` : '-inf';
  const wanted = limit - listed.length;
  const flat = wanted > 0 ? await redis.zrangebyscore(OPEN_SAGAS_KEY, from, before, 'WITHSCORES', 'LIMIT', 0, wanted) : [];
  for (let i = 0; i < flat.length; i += 2) listed.push({ sagaId: flat[i], startedAt: Number(flat[i + 1]) });
  const sagas = await Promise.all(listed.map(({ sagaId }) => readOpenSaga(sagaId)));
  return {
    sagas: sagas.filter((saga): saga is OpenSaga => saga !== null),
    last: listed[listed.length - 1] ?? after,
    full: listed.length === limit,
  };
}

async function readOpenSaga(sagaId: string): Promise<OpenSaga | null> {
  // Recovery re-sends or compensates on it: read durably (a begin-checkout whose wait fell short is still on the master).
  const [fields] = (await readDurably(redisFor('order'), [
    ['HMGET', sagaKey(sagaId), 'order_id', 'user_id', 'items', 'total_cost', 'started_at', 'deadline_at', 'verdict'],
  ])) as (string | null)[][];
  const [orderId, userId, items, totalCost, startedAt, deadlineAt, verdict] = fields;
  if (orderId === null || (verdict !== null && verdict !== '')) {
    // Listed but finished (or gone): an index entry left by a crash between two writes cannot
    // happen (one script writes both), but an expired saga hash can leave one.
    await redisFor('order').zrem(OPEN_SAGAS_KEY, sagaId);
    return null;
  }
  return {
    sagaId,
    orderId,
    userId: userId!,
    lines: checkoutLines(items ?? ''),
    totalCost: Number(totalCost),
    startedAt: Number(startedAt),
    deadlineAt: Number(deadlineAt),
  };
}

/** The sagas without a verdict that began before `before` (epoch ms), oldest first: the first page. */
export async function openSagas(before: number, limit = 1000): Promise<OpenSaga[]> {
  return (await openSagaPage(before, limit)).sagas;
}

/**
 * Whether the order service knows each saga: its record is there (open, or finished within the
 * retention window) or it is still listed for the sweep. The sweep removes a finished saga's step
 * markers before it unlists it, so a saga with markers that is neither is one whose begin-checkout
 * the order Redis lost.
 */
export async function sagasKnown(sagaIds: string[]): Promise<boolean[]> {
  const redis = redisFor('order');
  return Promise.all(
    sagaIds.map(async (sagaId) => {
      const [record, finished] = await Promise.all([redis.hexists(sagaKey(sagaId), 'order_id'), redis.zscore(FINISHED_SAGAS_KEY, sagaId)]);
      return record === 1 || finished !== null;
    }),
  );
}

/**
 * How many open sagas began more than `deadlineMs` before `now` (epoch ms), i.e. are past their
 * deadline: the index is scored by start time, so this is one ZCOUNT, however many are open.
 */
export async function countOpenPastDeadline(now: number, deadlineMs = config.checkoutDeadlineMs): Promise<number> {
  return redisFor('order').zcount(OPEN_SAGAS_KEY, '-inf', `(${now - deadlineMs}`);
}

export type Verdict = { verdict: 'paid' } | { verdict: 'refused'; reason: string };

/** The verdict complete-order published on a saga's channel ('paid:' or 'refused:<reason>'), or null for any other message. */
export function publishedVerdict(message: string): Verdict | null {
  const colon = message.indexOf(':');
  const verdict = colon < 0 ? message : message.slice(0, colon);
  if (verdict === 'paid') return { verdict: 'paid' };
  if (verdict === 'refused' && colon >= 0) return { verdict: 'refused', reason: message.slice(colon + 1) };
  return null;
}

/** Whether a published verdict may be answered as it came, without reading it back (durability.ts). */
export const publishedVerdictsAreDurable = (): Promise<boolean> => publishesOnlyDurableWrites(redisFor('order'));

/** The saga's verdict, or null while it is still open. */
export async function readVerdict(sagaId: string): Promise<Verdict | null> {
  // The verdict is answered to the client: read it durably (a step's PUBLISH wakes us before its WAIT).
  const [[verdict, reason]] = (await readDurably(redisFor('order'), [['HMGET', sagaKey(sagaId), 'verdict', 'reason']])) as (
    string | null
  )[][];
  if (verdict === 'paid') return { verdict: 'paid' };
  if (verdict === 'refused') return { verdict: 'refused', reason: reason ?? '' };
  return null;
}
