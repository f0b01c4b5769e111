import { ChaosStack, sleep } from '../../scripts/chaos/harness';
import { report } from './report';

it('kill -9 of redis-server mid-load, restarted from its append-only file: no 200 is lost', async () => {
  const stack = new ChaosStack('4. kill -9 of redis-server ×3');
  try {
    await stack.start();
    await stack.seed(20_000);
    const faults = (async () => {
      for (let kill = 0; kill < 3; kill++) {
        await sleep(1_500 + Math.random() * 1_500);
        await stack.kill('redis');
        await sleep(500);
        await stack.startRedis();
      }
      await sleep(2_000);
    })();
    await stack.load(32, faults);
    const result = await stack.settle();
    report(result);
    expect(result.problems).toEqual([]);
  } finally {
    await stack.stop();
  }
});
