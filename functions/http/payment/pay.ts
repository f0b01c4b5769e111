import { parseAmount, parseId } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { changeCredit } from '@lib/store/payment-store';

export const handler = httpRoute().handler(async (event) => {
  const userId = parseId(pathParam(event, 'user_id'), 'user_id');
  const amount = parseAmount(pathParam(event, 'amount'), 'amount');
  return { user_id: userId, credit: await changeCredit(userId, -amount) };
});
