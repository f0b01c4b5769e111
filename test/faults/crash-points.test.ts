import { ChaosStack, sleep } from '../../scripts/chaos/harness';
import { report } from './report';

// Each boundary in turn: the process dies (SIGKILL from inside, lib/lambda/faults.ts) exactly there.
const POINTS: [point: string, probability: number][] = [
  ['after-begin-before-send', 0.05],
  ['after-write-before-send', 0.02],
  ['after-send-before-delete', 0.02],
];

describe('a crash forced at each boundary', () => {
  it.each(POINTS)('%s', async (point, probability) => {
    const stack = new ChaosStack(`2. crash ${point}`);
    try {
      await stack.start();
      await stack.seed(20_000);
      for (let round = 0; round < 3; round++) {
        await stack.kill('offline');
        stack.kills--; // not a kill from outside: the crash below is the fault
        await stack.startOffline({ at: point, probability });
        if (stack.offline) await stack.load(16, Promise.race([stack.offline.exited, sleep(15_000)]));
        expect(stack.isUp('offline')).toBe(false); // it did crash there
        stack.kills++;
        await stack.startOffline();
      }
      const result = await stack.settle();
      report(result);
      expect(result.problems).toEqual([]);
    } finally {
      await stack.stop();
    }
  });

  it('in the middle of a replay', async () => {
    const stack = new ChaosStack('2. crash mid-replay');
    try {
      await stack.start();
      await stack.seed(20_000);
      let replayCrashes = 0;
      for (let round = 0; round < 3; round++) {
        // Leave sagas half-done with their messages lost (the SQS endpoint restarts while the
        // functions are down), so only the replay can finish them; then a replay dies half-way.
        await stack.load(
          16,
          sleep(800).then(() => stack.kill('offline')),
        );
        await stack.kill('sqs');
        await stack.startSqs();
        await sleep(1_200);
        await stack.startOffline({ at: 'mid-replay', probability: 0.6 });
        await fetch(`${stack.lambdaApi}/2015-03-31/functions/sagashop-local-replayLog/invocations`, {
          method: 'POST',
          body: '{}',
        }).catch(() => {});
        await sleep(500);
        if (stack.isUp('offline')) await stack.kill('offline');
        else {
          stack.kills++;
          replayCrashes++;
        }
        await stack.startOffline();
      }
      const result = await stack.settle();
      report({ ...result, scenario: `${result.scenario} (${replayCrashes} replay(s) died half-way)` });
      expect(replayCrashes).toBeGreaterThan(0);
      expect(result.problems).toEqual([]);
    } finally {
      await stack.stop();
    }
  });
});
