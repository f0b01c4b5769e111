import { closeRedisClients } from '@lib/clients/redis';
import { handler as createId } from '../../functions/http/ids/create-id';
import { handler as createItem } from '../../functions/http/stock/create-item';
import { handler as findItem } from '../../functions/http/stock/find-item';
import { lambdaContext } from '../support/lambda';
import { ROUTE_OF, httpEvent, type PayloadVersion } from '../deploy/support/events';

// One handler, two gateways: the HTTP API (AWS) sends payload 2.0 events, the REST API
// (LocalStack's free edition) 1.0 events. Path parameters and answers must work the same.
afterAll(closeRedisClients);

const call = async (handler: unknown, version: PayloadVersion, name: string, params: Record<string, string> = {}) =>
  (handler as (event: unknown, context: unknown) => Promise<any>)(httpEvent(version, ROUTE_OF[name], params, 'localstack'), lambdaContext);

describe.each<PayloadVersion>(['2.0', '1.0'])('payload %s', (version) => {
  it('reads path parameters and answers 200 with JSON', async () => {
    const created = await call(createItem, version, 'createItem', { price: '7' });
    expect(created).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: expect.any(String),
    });
    const { item_id } = JSON.parse(created.body);
    const found = await call(findItem, version, 'findItem', { item_id });
    expect(JSON.parse(found.body)).toEqual({ item_id, stock: 0, price: 7 });
  });

  it('answers a refusal with its status and a JSON error', async () => {
    const missing = await call(findItem, version, 'findItem', { item_id: 'x-nothing' });
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: expect.any(String) });
    const invalid = await call(createItem, version, 'createItem', { price: '-1' });
    expect(invalid.statusCode).toBe(400);
  });

  it('serves a route without path parameters (1.0 sends pathParameters: null)', async () => {
    const event = httpEvent(version, ROUTE_OF.createId, {}, 'localstack') as Record<string, unknown>;
    expect(event.pathParameters ?? null).toBeNull();
    const answer = await (createId as any)(event, lambdaContext);
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body).id).toEqual(expect.any(String));
  });
});
