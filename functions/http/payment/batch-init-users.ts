import { parseBalance, parseBatchSize } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { batchInitUsers } from '@lib/store/payment-store';

export const handler = httpRoute().handler(async (event) => {
  const count = parseBatchSize(pathParam(event, 'n'), 'n');
  const credit = parseBalance(pathParam(event, 'starting_money'), 'starting_money');
  await batchInitUsers(count, credit);
  return { msg: 'Batch init for users successful' };
});
