// The operator page's server, in this process, against the test Redis and SQS endpoint: what each
// JSON endpoint answers for sagas written by the store code (the browser test covers the page).
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { formatHistory } from '@lib/domain/saga-history';
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { queueUrlVariable } from '@lib/saga/queues-config';
import { STEP_NAMES, type StepName } from '@lib/saga/steps';
import { closeSqsClient } from '@lib/clients/sqs';
import { addItemToOrder, createOrder } from '@lib/store/order-store';
import { readSagaHistory } from '@lib/store/saga-history';
import { HISTORY_ORDER } from '@lib/saga/definition';
import { beginCheckout, completeOrder } from '@lib/store/saga-order';
import { chargePayment } from '@lib/store/saga-payment';
import { releaseStock, reserveStock } from '@lib/store/saga-stock';
import { startOperatorServer, type OperatorServer } from '../../scripts/operator/server';
import { configureTest } from '../support/config';
import { flushDatabase } from '../support/redis-state';
import { drain, testSqs } from '../support/saga-queues';

let client: SQSClient;
let ops: OperatorServer;
const queues = {} as Record<StepName, { url: string; dlq: string }>;
let paidOrder: string;
let refusedOrder: string;

async function checkout(orderId: string, sagaId: string, deadlineMs = 60_000) {
  const begun = await beginCheckout(orderId, sagaId, deadlineMs);
  if (begun.kind !== 'started') throw new Error('not started');
  return begun.facts;
}

beforeAll(async () => {
  // The replay button acts on the open saga at once.
  configureTest({ REPLAY_STALE_MS: '1' });
  await flushDatabase();
  client = testSqs();
  const prefix = `ops-${process.pid}-${Date.now()}`;
  for (const step of STEP_NAMES) {
    const { QueueUrl: dlq } = await client.send(new CreateQueueCommand({ QueueName: `${prefix}-${step}-dlq` }));
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }));
    const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 5 });
    const { QueueUrl: url } = await client.send(new CreateQueueCommand({ QueueName: `${prefix}-${step}`, Attributes: { RedrivePolicy } }));
    queues[step] = { url: url!, dlq: dlq! };
  }
  configureTest(Object.fromEntries(STEP_NAMES.map((step) => [queueUrlVariable(step), queues[step].url])));
  await redisFor('stock').hset('{stock}:item:op1', 'stock', 10, 'direct', 10, 'price', 5);
  await redisFor('payment').hset('{payment}:user:rich', 'credit', 100, 'direct', 100);
  await redisFor('payment').hset('{payment}:user:poor', 'credit', 3, 'direct', 3);
  paidOrder = await createOrder('rich');
  await addItemToOrder(paidOrder, 'op1', 1, 5);
  const paid = await checkout(paidOrder, 'ops-paid');
  await reserveStock(paid);
  await chargePayment(paid);
  await completeOrder(paid);
  refusedOrder = await createOrder('poor');
  await addItemToOrder(refusedOrder, 'op1', 2, 5);
  const refused = await checkout(refusedOrder, 'ops-refused');
  await reserveStock(refused);
  expect((await chargePayment(refused)).status).toBe('refused');
  await releaseStock({ ...refused, refusal: 'Not enough credit' });
  // Entries of two services within one millisecond have no order between them in the history.
  await new Promise((resolve) => setTimeout(resolve, 5));
  await completeOrder({ ...refused, refusal: 'Not enough credit' });
  const stuckOrder = await createOrder('rich');
  await addItemToOrder(stuckOrder, 'op1', 1, 5);
  await checkout(stuckOrder, 'ops-stuck', 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  ops = await startOperatorServer(0);
});

afterAll(async () => {
  await ops?.close();
  await closeRedisClients();
  client?.destroy();
  closeSqsClient();
});

const get = async (path: string) => {
  const response = await fetch(`${ops.url}${path}`);
  return { status: response.status, body: (await response.json()) as any };
};
const post = async (path: string, type = 'application/json') => {
  const response = await fetch(`${ops.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: '{}',
  });
  return { status: response.status, body: (await response.json()) as any };
};

describe("the operator page's server", () => {
  it('serves the page and its script', async () => {
    const page = await fetch(`${ops.url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script src="/page.js">');
    expect((await fetch(`${ops.url}/page.js`)).status).toBe(200);
    expect((await fetch(`${ops.url}/nothing`)).status).toBe(404);
  });

  it('overview: verdicts and latency from the order log, open and late sagas, every queue and its DLQ', async () => {
    const { status, body } = await get('/api/overview');
    expect(status).toBe(200);
    expect(body.metrics.totals).toMatchObject({ begun: 3, finished: 2, paid: 1, refused: 1, byReplay: 0 });
    expect(body.metrics.totals.p50).toEqual(expect.any(Number));
    expect(body.metrics.perSecond.counts.reduce((a: number, b: number) => a + b, 0)).toBe(2);
    expect(body.sagas).toMatchObject({
      open: 1,
      pastDeadline: 1,
      oldest: [expect.objectContaining({ sagaId: 'ops-stuck' })],
    });
    expect(
      body.queues.map((queue: any) => [
        queue.step,
        queue.queue.name.replace(/^ops-\d+-\d+-/, ''),
        queue.dlq.name.replace(/^ops-\d+-\d+-/, ''),
      ]),
    ).toEqual(STEP_NAMES.map((step) => [step, step, `${step}-dlq`]));
  });

  it('search: an order id gives its sagas with every step, and the same text npm run saga prints', async () => {
    const { body } = await get(`/api/saga?id=${refusedOrder}`);
    expect(body.sagas).toHaveLength(1);
    const [saga] = body.sagas;
    expect(saga.lines.map((line: any) => `${line.step} ${line.outcome.split(' ')[0]}`)).toEqual([
      'begin-checkout begun',
      'reserve-stock done',
      'charge-payment refused',
      'release-stock released',
      'complete-order refused',
    ]);
    expect(saga.standing).toMatch(/^now: refused — Not enough credit/);
    expect(saga.text).toBe(formatHistory(await readSagaHistory('ops-refused', HISTORY_ORDER)));
    expect((await get('/api/saga?id=ops-paid')).body.sagas[0].lines.map((line: any) => line.step)).toEqual([
      'begin-checkout',
      'reserve-stock',
      'charge-payment',
      'complete-order',
    ]);
    expect((await get('/api/saga?id=no-such-order')).body.sagas).toEqual([]);
    expect((await get('/api/saga?id=two%20words')).status).toBe(400);
  });

  it('the replay button runs the replay and reports what it did; the overview shows it at once', async () => {
    expect((await post('/api/replay', 'text/plain')).status).toBe(415);
    const { body } = await post('/api/replay');
    expect(body).toMatchObject({
      ran: true,
      swept: 0,
      lines: [expect.objectContaining({ sagaId: 'ops-stuck', action: 'compensate', why: 'past its deadline' })],
    });
    expect(body.lines[0].result).toMatch(/^refused/);
    const after = (await get('/api/overview')).body;
    expect(after.sagas).toMatchObject({ open: 0, pastDeadline: 0 });
    expect(after.metrics.totals).toMatchObject({ finished: 3, refused: 2, byReplay: 1 });
  });

  it('moves dead-letter messages back to their queue', async () => {
    const { url, dlq } = queues['reserve-stock'];
    for (const n of [1, 2, 3]) await client.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: JSON.stringify({ n }) }));
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the overview is read at most once a second
    const before = (await get('/api/overview')).body.queues.find((queue: any) => queue.step === 'reserve-stock');
    expect(before.dlq.visible).toBe(3);
    expect((await post('/api/redrive?step=reserve-stock')).body).toEqual({
      step: 'reserve-stock',
      moved: 3,
      failed: 0,
    });
    expect(await drain(client, dlq)).toEqual([]);
    expect((await drain(client, url)).map((body) => body.n).sort()).toEqual([1, 2, 3]);
    expect((await post('/api/redrive?step=no-such-step')).status).toBe(400);
  });
});
