import { notFound } from '@lib/domain/errors';
import { parseId } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { findOrder } from '@lib/store/order-store';

export const handler = httpRoute().handler(async (event) => {
  const orderId = parseId(pathParam(event, 'order_id'), 'order_id');
  const order = await findOrder(orderId);
  if (!order) throw notFound(`Order ${orderId} does not exist.`);
  return order;
});
