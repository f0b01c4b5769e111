import { forgetPowertoolsSettings } from '../support/powertools-verbose';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { AsyncLocalStorage } from 'node:async_hooks';
import * as observability from '@lib/lambda/observability';
import * as redis from '@lib/clients/redis';
import * as queues from '@lib/saga/queues';
import * as recovery from '@lib/saga/recovery';
import { closeVerdictSubscriber } from '@lib/saga/verdict-waiter';
import * as secrets from '@lib/clients/secrets';
import * as order from '@lib/store/order-store';
import * as payment from '@lib/store/payment-store';
import * as sagaOrder from '@lib/store/saga-order';
import * as stock from '@lib/store/stock-store';
import { handler as checkout } from '../../functions/http/order/checkout';
import { handler as findItem } from '../../functions/http/stock/find-item';
import { handler as charge } from '../../functions/saga/charge-payment';
import { handler as complete } from '../../functions/saga/complete-order';
import { handler as release } from '../../functions/saga/release-stock';
import { handler as reserve } from '../../functions/saga/reserve-stock';
import { handler as replay } from '../../functions/scheduled/replay-log';
import { configureTest } from '../support/config';
import { httpEvent } from '../support/lambda';
import { flushDatabase } from '../support/redis-state';
import { testSqs, useStepQueues } from '../support/saga-queues';

// What the functions print, as CloudWatch would receive it: their stdout and stderr, captured
// while real handlers run against the test Redis and SQS endpoint. Each log line is JSON with its
// level, message and request id (and the order and saga ids where there are some); errors carry
// their cause and never a secret; metrics are EMF blobs with the names and dimensions the alarms
// and dashboards expect.

const TOKEN = 'observability-test-token-7c1e';
const SETTINGS = {
  // A saga is past its deadline quickly, and the replay leaves it alone (it "moved recently").
  CHECKOUT_DEADLINE_MS: '1500',
  REPLAY_STALE_MS: '600000',
  CHECKOUT_WAIT_MS: '10000',
};

type Handler = (event: unknown, context: Context) => Promise<any>;
const sqs = testSqs();
const printed: string[] = [];
let stepQueues: Awaited<ReturnType<typeof useStepQueues>>;
const lib = { observability, secrets, redis, order, stock, payment, sagaOrder };
const fn = { checkout, findItem, reserve, charge, release, complete, replay } as unknown as Record<
  'checkout' | 'findItem' | 'reserve' | 'charge' | 'release' | 'complete' | 'replay',
  Handler
>;

const context = (awsRequestId: string): Context =>
  ({
    awsRequestId,
    functionName: 'sagashop-local-test',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:0:function:test',
    memoryLimitInMB: '512',
    functionVersion: '$LATEST',
  }) as Context;

beforeAll(async () => {
  configureTest(SETTINGS);
  await flushDatabase();
  stepQueues = await useStepQueues(sqs, `obs-${process.env.JEST_WORKER_ID}`);
  const capture = (chunk: unknown) => {
    printed.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterAll(async () => {
  jest.restoreAllMocks();
  forgetPowertoolsSettings();
  sqs.destroy();
  await closeVerdictSubscriber();
  await lib.redis.closeRedisClients();
});

const json = () => printed.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line)] : []));
const logLines = () => json().filter((line) => 'level' in line);
const blobs = () => json().filter((line) => '_aws' in line);
const metricNames = (blob: any) => blob._aws.CloudWatchMetrics[0].Metrics.map((metric: any) => metric.Name);
const dimensions = (blob: any) => blob._aws.CloudWatchMetrics[0].Dimensions;

/** An order of one item for a user with `credit`. */
async function newOrder(credit: number, price: number): Promise<string> {
  const user = await lib.payment.createUser();
  await lib.payment.changeCredit(user, credit);
  const item = await lib.stock.createItem(price);
  await lib.stock.changeStock(item, 5);
  const orderId = await lib.order.createOrder(user);
  await lib.order.addItemToOrder(orderId, item, 1, price);
  return orderId;
}

let steps = 0;
const record = (body: string, receiveCount: number): SQSRecord =>
  ({
    messageId: `msg-${(steps += 1)}`,
    body,
    attributes: { ApproximateReceiveCount: String(receiveCount) },
  }) as unknown as SQSRecord;

/** Lambda's event source, by hand: every step's queue delivered to its handler until `done` settles. */
async function deliverUntil(done: Promise<unknown>): Promise<void> {
  let settled = false;
  void done.finally(() => (settled = true));
  const handlers = {
    'reserve-stock': fn.reserve,
    'charge-payment': fn.charge,
    'release-stock': fn.release,
    'complete-order': fn.complete,
  };
  while (!settled) {
    for (const [step, handler] of Object.entries(handlers)) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stepQueues[step as keyof typeof stepQueues],
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 300,
        }),
      );
      if (Messages.length > 0)
        await handler({ Records: Messages.map((message) => record(message.Body!, 1)) } satisfies SQSEvent, context(`step-${steps}`));
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("the functions' log lines and metrics", () => {
  it('give every line of two concurrent checkouts its own request, order and saga ids without an async context per invocation, and count each verdict', async () => {
    const [paidOrder, refusedOrder] = [await newOrder(100, 10), await newOrder(1, 10)];
    // Without an async context per invocation: in Node 20 one costs every promise of the process.
    const asyncContexts = [jest.spyOn(AsyncLocalStorage.prototype, 'run'), jest.spyOn(AsyncLocalStorage.prototype, 'enterWith')];
    const checkouts = Promise.all([
      fn.checkout(httpEvent('POST', '/orders/checkout/{order_id}', { order_id: paidOrder }), context('http-paid')),
      fn.checkout(httpEvent('POST', '/orders/checkout/{order_id}', { order_id: refusedOrder }), context('http-refused')),
    ]);
    await deliverUntil(checkouts);
    expect((await checkouts).map((answer) => answer.statusCode)).toEqual([200, 400]);
    for (const spy of asyncContexts) expect(spy).not.toHaveBeenCalled();

    const verdicts = logLines().filter((line) => /^checkout (paid|refused|timeout|error)$/.test(line.message));
    expect(verdicts).toHaveLength(2);
    for (const [requestId, orderId, verdict] of [
      ['http-paid', paidOrder, 'paid'],
      ['http-refused', refusedOrder, 'refused'],
    ]) {
      const line = verdicts.find((candidate) => candidate.function_request_id === requestId);
      expect(line).toMatchObject({
        level: 'INFO',
        message: `checkout ${verdict}`,
        orderId,
        verdict,
        sagaId: expect.any(String),
        service: 'sagashop',
      });
      expect(line.latencyMs).toBeGreaterThan(0);
      // The saga steps' lines (debug) name the same saga and order, under their own request ids.
      const stepLines = logLines().filter((candidate) => candidate.sagaId === line.sagaId && /^[a-z]+-[a-z]+: /.test(candidate.message));
      expect(stepLines.map((candidate) => candidate.message)).toEqual(
        expect.arrayContaining([
          'reserve-stock: done',
          'charge-payment: ' + (verdict === 'paid' ? 'done' : 'refused'),
          'complete-order: done',
        ]),
      );
      for (const candidate of stepLines)
        expect(candidate).toMatchObject({
          orderId,
          function_request_id: expect.stringMatching(/^step-/),
          messageId: expect.any(String),
        });
    }

    const checkoutBlobs = blobs().filter((blob) => metricNames(blob).includes('Checkouts'));
    expect(checkoutBlobs.map((blob) => blob.Verdict).sort()).toEqual(['paid', 'refused']);
    for (const blob of checkoutBlobs) {
      expect(blob._aws.CloudWatchMetrics[0].Namespace).toBe('sagashop');
      expect(dimensions(blob)).toEqual([['service', 'Verdict']]);
      expect(metricNames(blob).sort()).toEqual(['CheckoutLatency', 'Checkouts']);
      expect(blob.Checkouts).toBe(1);
    }
    const stepBlobs = blobs().filter((blob) => metricNames(blob).includes('StepOutcome'));
    expect(stepBlobs.map((blob) => `${blob.Step} ${blob.Outcome}`)).toEqual(
      expect.arrayContaining([
        'reserve-stock done',
        'charge-payment done',
        'charge-payment refused',
        'release-stock done',
        'complete-order done',
      ]),
    );
    for (const blob of stepBlobs) {
      expect(dimensions(blob)).toEqual([['service', 'Step', 'Outcome']]);
      expect(metricNames(blob).sort()).toEqual(['StepLatency', 'StepOutcome']);
    }
    // Routes that record no metric print no blob and no warning about it.
    expect(printed.join('\n')).not.toMatch(/No application metrics/);
  });

  it('logs an unexpected error with its cause, never the secret it carries, and answers without it', async () => {
    lib.secrets.hideInLogs(TOKEN);
    const refusedAuth = Object.assign(new Error(`WRONGPASS invalid password (${TOKEN})`), {
      command: { name: 'auth', args: [TOKEN] },
    });
    jest.spyOn(lib.stock, 'findItem').mockRejectedValueOnce(new Error('the item could not be read', { cause: refusedAuth }));
    const answer = await fn.findItem(httpEvent('GET', '/stock/find/{item_id}', { item_id: 'x1' }), context('http-broken'));
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toMatch(/WRONGPASS|could not be read/);
    const line = logLines().find((candidate) => candidate.function_request_id === 'http-broken');
    expect(line).toMatchObject({
      level: 'ERROR',
      message: 'request failed',
      error: { name: 'Error', message: 'the item could not be read' },
    });
    expect(line.error.stack).toContain('observability.test.ts');
    expect(line.error.cause).toMatchObject({
      message: 'WRONGPASS invalid password (***)',
      command: { name: 'auth', args: ['***'] },
    });
    expect(printed.join('\n')).not.toContain(TOKEN);
  });

  it('names the saga on the error lines of a checkout answered 5xx, and ends its wait for a verdict with the answer', async () => {
    const orderId = await newOrder(100, 10);
    jest.spyOn(queues, 'sendToStep').mockRejectedValueOnce(new Error('the SQS endpoint is gone'));
    const before = printed.length;
    const answer = await fn.checkout(httpEvent('POST', '/orders/checkout/{order_id}', { order_id: orderId }), context('http-unsent'));
    expect(answer.statusCode).toBe(503);
    const errors = printed
      .slice(before)
      .map((line) => JSON.parse(line))
      .filter((line) => line.function_request_id === 'http-unsent' && line.level === 'ERROR');
    expect(errors.map((line) => line.message).sort()).toEqual([
      'checkout: the first message could not be sent; recovery will finish or cancel the saga',
      'request failed',
    ]);
    const { sagaId } = errors[0];
    expect(sagaId).toEqual(expect.any(String));
    for (const line of errors)
      expect(line).toMatchObject({
        orderId,
        sagaId,
        error: expect.objectContaining({ message: expect.any(String) }),
      });
    // Nothing waits for that saga's verdict any more: the wait would otherwise hold its
    // subscription until CHECKOUT_WAIT_MS (10 s) had passed.
    const listeners = async () =>
      ((await lib.redis.redisFor('order').pubsub('NUMSUB', lib.sagaOrder.verdictChannel(sagaId))) as [string, number])[1];
    for (let tries = 0; tries < 50 && (await listeners()) > 0; tries += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await listeners()).toBe(0);
  });

  it('names what a process was doing on the line it prints as an armed crash point kills it', async () => {
    const orderId = await newOrder(100, 10);
    const kill = jest.spyOn(process, 'kill').mockImplementation(() => true); // the process lives on
    configureTest({
      SAGASHOP_CRASH_AT: 'after-begin-before-send,after-write-before-send,after-send-before-delete',
    });
    const before = printed.length;
    try {
      const answer = fn.checkout(httpEvent('POST', '/orders/checkout/{order_id}', { order_id: orderId }), context('http-crash'));
      await deliverUntil(answer);
      expect((await answer).statusCode).toBe(200);
      expect(kill).toHaveBeenCalledWith(process.pid, 'SIGKILL');
    } finally {
      configureTest({ SAGASHOP_CRASH_AT: '' });
      kill.mockRestore();
    }
    const crashes = printed
      .slice(before)
      .map((line) => JSON.parse(line))
      .filter((line) => /^fault injection: crashing at /.test(line.message));
    const at = (point: string) => crashes.filter((line) => line.message.endsWith(point));
    expect(at('after-begin-before-send')).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        function_request_id: 'http-crash',
        orderId,
        sagaId: expect.any(String),
      }),
    ]);
    const { sagaId } = at('after-begin-before-send')[0];
    expect(at('after-write-before-send').length).toBeGreaterThanOrEqual(3); // reserve, charge, complete
    for (const line of at('after-write-before-send'))
      expect(line).toMatchObject({
        function_request_id: expect.stringMatching(/^step-/),
        messageId: expect.any(String),
        orderId,
        sagaId,
      });
    expect(at('after-send-before-delete').length).toBeGreaterThanOrEqual(3);
    for (const line of at('after-send-before-delete')) expect(line).toMatchObject({ function_request_id: expect.stringMatching(/^step-/) });
  });

  it('counts a message that fails its last delivery as bound for the dead-letter queue', async () => {
    const before = printed.length;
    const result = await fn.reserve({ Records: [record('not a saga message', 5), record('{}', 2)] }, context('step-dlq'));
    expect(result.batchItemFailures).toHaveLength(2);
    const errors = logLines().filter((line) => line.function_request_id === 'step-dlq' && line.level === 'ERROR');
    expect(errors.map((line) => [line.message, line.receiveCount]).sort()).toEqual([
      ['reserve-stock: the message failed and will be retried', 2],
      ['reserve-stock: the message failed its last delivery and goes to the dead-letter queue', 5],
    ]);
    expect(errors[0].error).toMatchObject({
      name: 'Refusal',
      message: expect.any(String),
      stack: expect.any(String),
    });
    const fresh = printed.slice(before).flatMap((line) => (line.startsWith('{"_aws"') ? [JSON.parse(line)] : []));
    const risk = fresh.find((blob) => metricNames(blob).includes('DeadLetterRisk'));
    expect(risk).toMatchObject({ Step: 'reserve-stock', DeadLetterRisk: 1 });
    expect(dimensions(risk)).toEqual([['service', 'Step']]);
    expect(fresh.find((blob) => blob.Outcome === 'failed')).toMatchObject({ StepOutcome: 2 });
  });

  it('reports the replay: its actions, failures, sweep and the open sagas left past their deadline', async () => {
    const orderId = await newOrder(100, 10);
    const begun = await lib.sagaOrder.beginCheckout(orderId, `stuck-${orderId}`);
    expect(begun.kind).toBe('started');
    await new Promise((resolve) => setTimeout(resolve, 1_600)); // CHECKOUT_DEADLINE_MS passes
    const before = printed.length;
    const report = await fn.replay({}, context('replay-1'));
    expect(report.lines).toContainEqual(expect.objectContaining({ sagaId: `stuck-${orderId}`, action: 'wait' }));
    const fresh = printed.slice(before).map((line) => JSON.parse(line));
    const actions = fresh.filter((blob) => blob._aws && metricNames(blob).includes('ReplayActions'));
    expect(actions).toContainEqual(expect.objectContaining({ Action: 'wait', ReplayActions: expect.any(Number) }));
    for (const blob of actions) expect(dimensions(blob)).toEqual([['service', 'Action']]);
    const summary = fresh.find((blob) => blob._aws && metricNames(blob).includes('OpenSagasPastDeadline'));
    expect(dimensions(summary)).toEqual([['service']]);
    expect(summary).toMatchObject({
      ReplayFailed: 0,
      SagasSwept: 0,
      OpenSagasPastDeadline: expect.any(Number),
    });
    expect(summary.OpenSagasPastDeadline).toBeGreaterThanOrEqual(1);
    expect(fresh).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'replay-log: done',
        function_request_id: 'replay-1',
      }),
    );
  });

  it('counts a replay that throws as failed, and logs why before the invocation fails', async () => {
    jest.spyOn(recovery, 'replayLog').mockRejectedValueOnce(new Error('the order Redis is gone', { cause: new Error('ECONNREFUSED') }));
    const before = printed.length;
    await expect(fn.replay({}, context('replay-2'))).rejects.toThrow('the order Redis is gone');
    const fresh = printed.slice(before).map((line) => JSON.parse(line));
    expect(fresh).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'replay-log: failed',
        function_request_id: 'replay-2',
        error: expect.objectContaining({ cause: expect.objectContaining({ message: 'ECONNREFUSED' }) }),
      }),
    );
    expect(fresh.find((blob) => blob._aws)).toMatchObject({ ReplayFailed: 1 });
  });
});
