import { notFound } from '@lib/domain/errors';
import { parseId } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { createOrder } from '@lib/store/order-store';
import { findUser } from '@lib/store/payment-store';

export const handler = httpRoute().handler(async (event) => {
  const userId = parseId(pathParam(event, 'user_id'), 'user_id');
  if (!(await findUser(userId))) throw notFound(`User ${userId} does not exist.`);
  return { order_id: await createOrder(userId) };
});
