import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SAGA, stepNamesOf } from '../../lib/saga/definition';
import { isListening } from '../../scripts/stack/processes';
import { useStartedStack } from '../support/started-stack';

const e2e = useStartedStack();
const { post, get } = e2e;

describe('the started stack', () => {
  it('prints one line per part, where the API is, and how to stop', () => {
    const out = e2e.stack.output();
    expect(out).toMatch(new RegExp(`redis\\s+redis://127.0.0.1:${e2e.ports.redisPort}`));
    expect(out).toMatch(new RegExp(`sqs\\s+http://127.0.0.1:${e2e.ports.sqsPort}`));
    expect(out).toMatch(new RegExp(`api\\s+http://127.0.0.1:${e2e.ports.httpPort}`));
    expect(out).toContain('Press Ctrl-C to stop');
  });

  it('holds every queue and dead-letter queue that serverless.yml declares', async () => {
    const sqs = new SQSClient({
      endpoint: `http://127.0.0.1:${e2e.ports.sqsPort}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    const names = QueueUrls.map((url) => url.split('/').pop()).sort();
    expect(names).toEqual(
      stepNamesOf(SAGA)
        .flatMap((step) => [`sagashop-local-${step}`, `sagashop-local-${step}-dlq`])
        .sort(),
    );
    sqs.destroy();
  });
});

describe('every route over HTTP', () => {
  it('stock: create, find, add, subtract, batch_init', async () => {
    const created = await post('/stock/item/create/12');
    expect(created.status).toBe(200);
    expect(created.contentType).toMatch(/^application\/json/);
    const { item_id } = created.body;
    expect(await get(`/stock/find/${item_id}`)).toMatchObject({
      status: 200,
      body: { item_id, stock: 0, price: 12 },
    });
    expect((await post(`/stock/add/${item_id}/5`)).body).toEqual({ item_id, stock: 5 });
    expect((await post(`/stock/subtract/${item_id}/2`)).body).toEqual({ item_id, stock: 3 });
    expect((await post('/stock/batch_init/100/7/3')).body).toEqual({
      msg: 'Batch init for stock successful',
    });
    expect((await get('/stock/find/99')).body).toEqual({ item_id: '99', stock: 7, price: 3 });
  });

  it('payment: create_user, find_user, add_funds, pay, batch_init', async () => {
    const { user_id } = (await post('/payment/create_user')).body;
    expect((await get(`/payment/find_user/${user_id}`)).body).toEqual({ user_id, credit: 0 });
    expect((await post(`/payment/add_funds/${user_id}/30`)).body).toEqual({ user_id, credit: 30 });
    expect((await post(`/payment/pay/${user_id}/10`)).body).toEqual({ user_id, credit: 20 });
    expect((await post('/payment/batch_init/100/50')).body).toEqual({
      msg: 'Batch init for users successful',
    });
    expect((await get('/payment/find_user/42')).body).toEqual({ user_id: '42', credit: 50 });
  });

  it('orders: create, addItem, find, batch_init', async () => {
    const { user_id } = (await post('/payment/create_user')).body;
    const { item_id } = (await post('/stock/item/create/4')).body;
    const { order_id } = (await post(`/orders/create/${user_id}`)).body;
    expect((await post(`/orders/addItem/${order_id}/${item_id}/3`)).body).toEqual({
      order_id,
      total_cost: 12,
    });
    expect((await get(`/orders/find/${order_id}`)).body).toEqual({
      order_id,
      paid: false,
      items: [[item_id, 3]],
      user_id,
      total_cost: 12,
    });
    expect((await post('/orders/batch_init/100/100/100/3')).body).toEqual({
      msg: 'Batch init for orders successful',
    });
    expect((await get('/orders/find/5')).body).toMatchObject({ order_id: '5', paid: false, total_cost: 6 });
  });

  it('ids: create gives distinct ids', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, async () => (await get('/ids/create')).body.id));
    expect(new Set(ids).size).toBe(20);
  });

  it('answers bad input with a JSON 4xx and changes nothing', async () => {
    const { user_id } = (await post('/payment/create_user')).body;
    await post(`/payment/add_funds/${user_id}/5`);
    for (const [path, status] of [
      [`/payment/pay/${user_id}/0`, 400],
      [`/payment/pay/${user_id}/-1`, 400],
      [`/payment/pay/${user_id}/abc`, 400],
      [`/payment/pay/${user_id}/9007199254740992`, 400],
      [`/payment/pay/${user_id}/6`, 400],
      [`/payment/pay/${'u'.repeat(65)}/1`, 400],
      ['/payment/pay/unknown-user/1', 404],
      ['/stock/add/unknown-item/1', 404],
      ['/orders/addItem/unknown-order/0/1', 404],
    ] as const) {
      const answer = await post(path);
      expect({ path, status: answer.status, type: answer.contentType }).toEqual({
        path,
        status,
        type: expect.stringMatching(/^application\/json/),
      });
      expect(typeof answer.body.error).toBe('string');
    }
    expect((await get(`/payment/find_user/${user_id}`)).body.credit).toBe(5);
  });

  it('answers a path or a method no route takes with a JSON 404 that names neither the framework nor the routes', async () => {
    const { user_id } = (await post('/payment/create_user')).body;
    for (const [method, path] of [
      ['GET', '/no/such/route'],
      ['POST', '/payment/pay'],
      ['GET', `/payment/add_funds/${user_id}/5`],
      ['DELETE', `/payment/find_user/${user_id}`],
    ] as const) {
      const response = await fetch(`${e2e.stack.api}${path}`, { method });
      const text = await response.text();
      expect({ method, path, status: response.status, type: response.headers.get('content-type') }).toEqual({
        method,
        path,
        status: 404,
        type: expect.stringMatching(/^application\/json/),
      });
      expect(JSON.parse(text)).toEqual({ error: expect.any(String) });
      expect(text).not.toMatch(/serverless|offline|route not found|existingRoutes|\/stock|\/orders|\/ids/i);
    }
    expect((await get(`/payment/find_user/${user_id}`)).body.credit).toBe(0);
  });

  it('200 concurrent pay calls of 1 against credit 100: exactly 100 succeed, credit ends at 0', async () => {
    const { user_id } = (await post('/payment/create_user')).body;
    await post(`/payment/add_funds/${user_id}/100`);
    const answers = await Promise.all(Array.from({ length: 200 }, () => post(`/payment/pay/${user_id}/1`)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(100);
    expect(answers.filter((a) => a.status === 400)).toHaveLength(100);
    expect((await get(`/payment/find_user/${user_id}`)).body.credit).toBe(0);
  });

  it('200 concurrent subtract calls of 1 against stock 100: exactly 100 succeed, stock ends at 0', async () => {
    const { item_id } = (await post('/stock/item/create/1')).body;
    await post(`/stock/add/${item_id}/100`);
    const answers = await Promise.all(Array.from({ length: 200 }, () => post(`/stock/subtract/${item_id}/1`)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(100);
    expect(answers.filter((a) => a.status === 400)).toHaveLength(100);
    expect((await get(`/stock/find/${item_id}`)).body.stock).toBe(0);
  });
});

describe('stopping and starting again', () => {
  it('Ctrl-C stops every part, and the next start finds the data still there', async () => {
    const { user_id } = (await post('/payment/create_user')).body;
    await post(`/payment/add_funds/${user_id}/77`);
    const { id: idBefore } = (await get('/ids/create')).body;

    expect(await e2e.stack.stop()).toBe(0);
    for (const port of [e2e.ports.httpPort, e2e.ports.redisPort, e2e.ports.sqsPort]) expect(await isListening(port)).toBe(false);

    await e2e.restart();
    expect((await get(`/payment/find_user/${user_id}`)).body).toEqual({ user_id, credit: 77 });
    const { id: idAfter } = (await get('/ids/create')).body;
    expect(parseInt(idAfter.slice(1), 36)).toBeGreaterThan(parseInt(idBefore.slice(1), 36));
  }, 180_000);
});
