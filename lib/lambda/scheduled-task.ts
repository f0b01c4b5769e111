import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { withInvocationLog, type InvocationContext, type Log } from './observability';
import { loadRedisAuth } from '../clients/redis-auth';

/** What a scheduled task is handed: its invocation's log, and how long the invocation may still run. */
export interface ScheduledInvocation {
  log: Log;
  /** Milliseconds left before the runtime ends the invocation (Lambda's getRemainingTimeInMillis). */
  remainingMs: number;
}

/**
 * The middy chain of a scheduled function: it runs the task and logs what it reports, or the
 * error (with its cause) before the invocation fails with it.
 */
export function scheduledTask<Report>(name: string, task: (invocation: ScheduledInvocation) => Promise<Report>) {
  return middy<ScheduledEvent | Record<string, never>, Report, Error, InvocationContext>()
    .use(withInvocationLog())
    .use(loadRedisAuth())
    .handler(async (_event, context) => {
      const { log } = context;
      try {
        const report = await task({ log, remainingMs: context.getRemainingTimeInMillis?.() ?? 0 });
        log.info(`${name}: done`, { report });
        return report;
      } catch (error) {
        log.error(`${name}: failed`, error as Error);
        throw error;
      }
    });
}
