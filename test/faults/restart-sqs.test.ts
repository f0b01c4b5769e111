import { ChaosStack } from '../../scripts/chaos/harness';
import { report } from './report';

it('the SQS endpoint restarted mid-load, losing every message it held', async () => {
  const stack = new ChaosStack('5. SQS endpoint restarted ×2');
  try {
    await stack.start();
    await stack.seed(20_000);
    await stack.loadWhileRestarting('sqs', 2, 300);
    const result = await stack.settle();
    report(result);
    expect(result.problems).toEqual([]);
  } finally {
    await stack.stop();
  }
});
