import { parseId } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { checkout } from '@lib/saga/checkout';

export const handler = httpRoute().handler(async (event, context) => {
  const orderId = parseId(pathParam(event, 'order_id'), 'order_id');
  await checkout(orderId, context);
  return { order_id: orderId, paid: true };
});
