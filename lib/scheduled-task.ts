import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { withInvocationLog, type InvocationContext, type Log } from './observability';
import { loadRedisAuth } from './redis-auth';

/**
 * The middy chain of a scheduled function: it runs the task and logs what it reports, or the
 * error (with its cause) before the invocation fails with it. The task gets the invocation's log.
 */
export function scheduledTask<Report>(name: string, task: (log: Log) => Promise<Report>) {
  return middy<ScheduledEvent | Record<string, never>, Report, Error, InvocationContext>()
    .use(withInvocationLog())
    .use(loadRedisAuth())
    .handler(async (_event, { log }) => {
      try {
        const report = await task(log);
        log.info(`${name}: done`, { report });
        return report;
      } catch (error) {
        log.error(`${name}: failed`, error as Error);
        throw error;
      }
    });
}
