import { queueUrlVariable } from './definition';
import { STEP_NAMES, type StepName } from './steps';

export { queueUrlVariable };

/** The URL of every step's queue, failing fast when one is missing. */
export function readQueueUrls(env: NodeJS.ProcessEnv): Record<StepName, string> {
  const urls = {} as Record<StepName, string>;
  for (const step of STEP_NAMES) {
    const url = env[queueUrlVariable(step)]?.trim();
    if (!url || !/^https?:\/\//.test(url))
      throw new Error(`${queueUrlVariable(step)} must be the URL of the ${step} queue (got "${url ?? ''}")`);
    urls[step] = url;
  }
  return urls;
}
