import { ChaosStack } from '../../scripts/chaos/harness';
import { report } from './report';

it('kill -9 of redis-server mid-load, restarted from its append-only file: no 200 is lost', async () => {
  const stack = new ChaosStack('4. kill -9 of redis-server ×3');
  try {
    await stack.start();
    await stack.seed(20_000);
    await stack.loadWhileRestarting('redis', 3, 500);
    const result = await stack.settle();
    report(result);
    expect(result.problems).toEqual([]);
  } finally {
    await stack.stop();
  }
});
