import { notFound } from '@lib/domain/errors';
import { parseId } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { findUser } from '@lib/store/payment-store';

export const handler = httpRoute().handler(async (event) => {
  const userId = parseId(pathParam(event, 'user_id'), 'user_id');
  const user = await findUser(userId);
  if (!user) throw notFound(`User ${userId} does not exist.`);
  return user;
});
