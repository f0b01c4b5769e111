import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { idSource } from '@lib/store/ids-store';
import { handler as createId } from '../../../functions/http/ids/create-id';
import { call } from '../../support/lambda';

afterAll(closeRedisClients);

describe('ids', () => {
  it('hands out distinct string ids that never look like batch_init ids', async () => {
    const answers = await Promise.all(Array.from({ length: 500 }, () => call(createId)));
    const ids = answers.map((answer) => answer.body.id);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(new Set(ids).size).toBe(500);
    for (const id of ids) expect(id).toMatch(/^x[0-9a-z]+$/);
  });

  it('reserves ids from a counter kept in Redis, so a new process never reuses one', async () => {
    const before = Number(await redisFor('ids').get('{ids}:next'));
    // A source of its own stands for a new process after a restart.
    const id = await idSource()();
    const sequence = parseInt(id.slice(1), 36);
    expect(sequence).toBeGreaterThanOrEqual(before);
    expect(Number(await redisFor('ids').get('{ids}:next'))).toBeGreaterThan(before);
  });
});
