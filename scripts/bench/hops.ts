// One checkout's latency by hop, from the lines a stack started with SAGASHOP_TRACE_FILE writes
// (lib/lambda/trace.ts; the offline SQS event source writes `received`) and the bench's own send
// and answer times. A line is `<epoch ms, fractional> <point> <ids...>`:
//   checkout-start <orderId>            the checkout function began (after hapi, serverless-offline, middy)
//   begun <orderId> <sagaId>            its saga id taken and begin-checkout run (Redis)
//   sending <sagaId> <step>             a message to <step>'s queue is about to be sent
//   sent <sagaId> <step>                the SQS endpoint's answer to that send reached the sender
//   received <messageId>                the event source's long poll returned that message
//   step-start <messageId> <sagaId> <step>   the step's handler began on it (after middy)
//   step-done <sagaId> <step>           the step's work (its Lua script) returned
//   woken <sagaId>                      the checkout's verdict subscriber got the publish
//   verdict <sagaId>                    the checkout read the verdict and returns it

export interface Checkout {
  order: string;
  /** Epoch ms when the bench sent the request and when it had the answer. */
  sent: number;
  answered: number;
}

export interface HopRow {
  /** "sending reserve-stock → received reserve-stock" */
  hop: string;
  medianMs: number;
  p90Ms: number;
  /** Checkouts that had this hop. */
  count: number;
}

export interface HopReport {
  checkouts: number;
  /** Median of the whole request as the bench saw it. */
  medianTotalMs: number;
  /** The checkout's path, hop after hop: their medians add up to about the median total. */
  hops: HopRow[];
  /** Spans beside the path: each send's round trip as its sender waits for it, the last step's end. */
  beside: HopRow[];
}

type Point = [string, number];

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const round = (value: number) => Math.round(value * 100) / 100;

interface SagaTrace {
  begun?: number;
  verdictPublished?: number;
  verdictRead?: number;
  /** Per step, in the order the saga ran them. */
  steps: Map<string, { sending?: number; sent?: number; received?: number; starts?: number; done?: number }>;
}

/** Parses the trace into per-saga times and the saga of each order. */
function readTrace(trace: string): {
  sagas: Map<string, SagaTrace>;
  sagaOfOrder: Map<string, string>;
  checkoutStart: Map<string, number>;
} {
  const sagas = new Map<string, SagaTrace>();
  const sagaOfOrder = new Map<string, string>();
  const checkoutStart = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const saga = (id: string) => sagas.get(id) ?? sagas.set(id, { steps: new Map() }).get(id)!;
  const step = (id: string, name: string) => {
    const steps = saga(id).steps;
    return steps.get(name) ?? steps.set(name, {}).get(name)!;
  };
  const lines = trace
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((fields) => fields.length >= 3);
  for (const [at, point, ...ids] of lines) if (point === 'received') receivedAt.set(ids[0], Number(at));
  for (const [at, point, ...ids] of lines) {
    const time = Number(at);
    if (point === 'checkout-start') checkoutStart.set(ids[0], time);
    if (point === 'begun') {
      sagaOfOrder.set(ids[0], ids[1]);
      saga(ids[1]).begun = time;
    }
    // A redelivered message's times would mix two deliveries: the first of each point counts.
    if (point === 'sending') step(ids[0], ids[1]).sending ??= time;
    if (point === 'sent') step(ids[0], ids[1]).sent ??= time;
    if (point === 'step-start') {
      const [messageId, sagaId, name] = ids;
      const entry = step(sagaId, name);
      entry.starts ??= time;
      entry.received ??= receivedAt.get(messageId);
    }
    if (point === 'step-done') step(ids[0], ids[1]).done ??= time;
    if (point === 'woken') saga(ids[0]).verdictPublished ??= time;
    if (point === 'verdict') saga(ids[0]).verdictRead ??= time;
  }
  return { sagas, sagaOfOrder, checkoutStart };
}

/**
 * One checkout's path as (label, time) points: request, checkout, saga begun, then per step its
 * send, its receipt by the long poll, its handler's start and end, then the verdict's publish (the
 * last step's script publishes it, so it takes that step's end's place), its read, the answer.
 */
export function checkoutPath(checkout: Checkout, start: number, saga: SagaTrace): Point[] {
  const path: Point[] = [
    ['request sent', checkout.sent],
    ['checkout starts', start],
    ['saga begun', saga.begun ?? NaN],
  ];
  const steps = [...saga.steps.entries()]
    .filter(([, times]) => times.sending !== undefined)
    .sort(([, a], [, b]) => a.sending! - b.sending!);
  steps.forEach(([name, times], index) => {
    path.push([`sending ${name}`, times.sending!], [`received ${name}`, times.received ?? NaN], [`${name} starts`, times.starts ?? NaN]);
    if (index < steps.length - 1) path.push([`${name} done`, times.done ?? NaN]);
  });
  path.push(
    ['verdict published to the checkout', saga.verdictPublished ?? NaN],
    ['verdict read', saga.verdictRead ?? NaN],
    ['answer received', checkout.answered],
  );
  return path;
}

/** Medians of each hop of the checkouts' paths, over the checkouts the trace holds. */
export function analyseHops(trace: string, checkouts: Checkout[]): HopReport {
  const { sagas, sagaOfOrder, checkoutStart } = readTrace(trace);
  const hops = new Map<string, number[]>();
  const beside = new Map<string, number[]>();
  const add = (into: Map<string, number[]>, label: string, ms: number) => {
    if (Number.isFinite(ms)) (into.get(label) ?? into.set(label, []).get(label)!).push(ms);
  };
  const totals: number[] = [];
  for (const checkout of checkouts) {
    const sagaId = sagaOfOrder.get(checkout.order);
    const start = checkoutStart.get(checkout.order);
    const saga = sagaId ? sagas.get(sagaId) : undefined;
    if (!saga || start === undefined) continue;
    totals.push(checkout.answered - checkout.sent);
    const path = checkoutPath(checkout, start, saga);
    path.slice(1).forEach(([label, at], index) => add(hops, `${path[index][0]} → ${label}`, at - path[index][1]));
    const steps = [...saga.steps.entries()];
    for (const [name, times] of steps)
      add(beside, `sending ${name} → sent ${name} (the sender's wait)`, (times.sent ?? NaN) - (times.sending ?? NaN));
    const last = steps
      .filter(([, times]) => times.done !== undefined)
      .sort(([, a], [, b]) => a.done! - b.done!)
      .pop();
    if (last) add(beside, `${last[0]} starts → ${last[0]} done (its script's reply back)`, last[1].done! - (last[1].starts ?? NaN));
  }
  const rows = (from: Map<string, number[]>) =>
    [...from.entries()].map(([hop, values]) => ({
      hop,
      medianMs: round(quantile(values, 0.5)),
      p90Ms: round(quantile(values, 0.9)),
      count: values.length,
    }));
  return {
    checkouts: totals.length,
    medianTotalMs: round(quantile(totals, 0.5)),
    hops: rows(hops),
    beside: rows(beside),
  };
}
