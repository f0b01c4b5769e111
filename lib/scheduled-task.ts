import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { loadRedisAuth } from './redis-auth';

/** The middy chain of a scheduled function: it runs the task and logs what it reports. */
export function scheduledTask<Report>(name: string, task: () => Promise<Report>) {
  return middy<ScheduledEvent | Record<string, never>, Report>().use(loadRedisAuth()).handler(async () => {
    const report = await task();
    console.log(`${name}: ${JSON.stringify(report)}`);
    return report;
  });
}
