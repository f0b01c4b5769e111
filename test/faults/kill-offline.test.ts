import { ChaosStack, sleep } from '../../scripts/chaos/harness';
import { report } from './report';

const KILLS = Number(process.env.CHAOS_KILLS ?? 20);

it(`survives ${KILLS} kill -9s of serverless offline at random moments under checkout load`, async () => {
  const stack = new ChaosStack(`1. kill -9 of serverless offline ×${KILLS}`);
  try {
    await stack.start();
    await stack.seed(30_000);
    for (let kill = 0; kill < KILLS; kill++) {
      const killed = sleep(300 + Math.random() * 1_500).then(() => stack.kill('offline'));
      await stack.load(16, killed);
      await stack.startOffline();
    }
    await stack.load(16, sleep(1_000));
    const result = await stack.settle();
    report(result);
    expect(result.kills).toBeGreaterThanOrEqual(20);
    expect(result.answers.ok).toBeGreaterThan(0);
    expect(result.problems).toEqual([]);
  } finally {
    await stack.stop();
  }
});
