import { ChaosStack, sleep } from '../../scripts/chaos/harness';
import { report } from './report';

it('the SQS endpoint restarted mid-load, losing every message it held', async () => {
  const stack = new ChaosStack('5. SQS endpoint restarted ×2');
  try {
    await stack.start();
    await stack.seed(20_000);
    const faults = (async () => {
      for (let restart = 0; restart < 2; restart++) {
        await sleep(1_500 + Math.random() * 1_500);
        await stack.kill('sqs');
        await sleep(300);
        await stack.startSqs();
      }
      await sleep(3_000);
    })();
    await stack.load(32, faults);
    const result = await stack.settle();
    report(result);
    expect(result.problems).toEqual([]);
  } finally {
    await stack.stop();
  }
});
