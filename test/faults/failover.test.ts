import { ChaosStack } from '../../scripts/chaos/harness';
import { describeFailover } from '../../scripts/chaos/failover';
import { report } from './report';

// Long enough that the master alone acknowledges many whole checkouts (each takes a few tens of
// milliseconds) before it dies: without durability, their writes are lost with it.
const REPLICA_LAG_MS = 1_500;

/**
 * Orders to seed: more than the run checks out (the load stops when they run out, and the app must
 * be seen paying after the failover). With replicas:1 each seeded order waits for the replica, so
 * a large seed can outlast batch_init's 10 s; that run also checks out far fewer (≈ 300–450).
 */
const ORDERS = { 'replicas:1': 2_500, none: 6_000 };

async function failover(name: string, durability: keyof typeof ORDERS) {
  const stack = new ChaosStack(name, { replicatedRedis: true, durability });
  try {
    await stack.start();
    // Credit for every checkout of the run: each is paid unless the failover loses it.
    await stack.seed(ORDERS[durability], 1_000);
    const failover = await stack.loadWhileFailingOver(REPLICA_LAG_MS);
    console.log(describeFailover(failover));
    const result = await stack.settle();
    report(result);
    return { failover, result };
  } finally {
    await stack.stop();
  }
}

it('a failover to a lagging replica under checkout load, with REDIS_DURABILITY=replicas:1: nothing acted on is lost', async () => {
  const { failover: fault, result } = await failover('6. failover to a lagging replica, REDIS_DURABILITY=replicas:1', 'replicas:1');
  expect(fault.lostBytes).toBeGreaterThan(0);
  expect(result.problems).toEqual([]);
});

it('the control: the same failover with REDIS_DURABILITY=none is seen to lose what clients were told', async () => {
  const { failover: fault, result } = await failover(
    '6c. failover to a lagging replica, REDIS_DURABILITY=none (control: must be VIOLATED)',
    'none',
  );
  const toldPaidNotPaid = result.problems.filter((problem) => /answered 200 but is not paid/.test(problem));
  console.log(`control: ${toldPaidNotPaid.length} checkout(s) answered 200 whose order is not paid`);
  expect(fault.lostBytes).toBeGreaterThan(0);
  expect(toldPaidNotPaid).not.toEqual([]);
});
