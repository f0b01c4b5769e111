// A declared Lua script against a real Redis: names bound on both sides, replies checked.
// (How the scripts are loaded, and the names a declaration refuses: test/unit/lua-scripts.test.ts.)
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { defineScript } from '@lib/store/script';

afterAll(() => closeRedisClients());

describe('a declared script', () => {
  const echo = defineScript({
    name: 'echo',
    source: `return {'echo', KEY.first, KEY.second, ARG.count, #EACH, EACH[2].item, EACH[2].name, EACH[2].amount}`,
    keys: ['first', 'second'],
    args: ['count'],
    each: { keys: ['item'], args: ['name', 'amount'] },
    reply: {
      echo: {
        first: 'string',
        second: 'string',
        count: 'string',
        items: 'integer',
        item: 'string',
        name: 'string',
        amount: 'string',
      },
    },
  });

  it('binds keys, arguments and per-item parts by name in the Lua, and names the reply', async () => {
    const reply = await echo(redisFor('order'), {
      first: '{order}:a',
      second: '{order}:b',
      count: 7,
      each: [
        { item: '{order}:i1', name: 'one', amount: 1 },
        { item: '{order}:i2', name: 'two', amount: 2 },
        { item: '{order}:i3', name: 'three', amount: 3 },
      ],
    });
    expect(reply).toEqual({
      status: 'echo',
      first: '{order}:a',
      second: '{order}:b',
      count: '7',
      items: 3,
      item: '{order}:i2',
      name: 'two',
      amount: '2',
    });
  });

  it('refuses a reply of another shape with an error naming the script', async () => {
    const statuses = { done: {}, refused: { why: ['missing', 'short'], credit: 'string?' } } as const;
    const answering = (lua: string) => defineScript({ name: 'shape-check', source: `return ${lua}`, keys: ['k'], reply: statuses });
    const run = (lua: string) => answering(lua)(redisFor('order'), { k: '{order}:k' });
    await expect(run("{'done'}")).resolves.toEqual({ status: 'done' });
    await expect(run("{'refused', 'missing'}")).resolves.toEqual({
      status: 'refused',
      why: 'missing',
      credit: undefined,
    });
    await expect(run("{'refused', 'short', '12'}")).resolves.toEqual({
      status: 'refused',
      why: 'short',
      credit: '12',
    });
    for (const wrong of ["{'gone'}", "{'refused', 'other'}", "{'refused'}", "{'done', 'extra'}", "{'refused', 'short', 12}", '1']) {
      await expect(run(wrong)).rejects.toThrow(/^shape-check: unexpected reply/);
    }
  });
});
