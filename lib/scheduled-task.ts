import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger, metrics, perInvocation } from './observability';
import { loadRedisAuth } from './redis-auth';

/**
 * The middy chain of a scheduled function: it runs the task and logs what it reports, or the
 * error (with its cause) before the invocation fails with it. Metrics the task records go out
 * when it ends, either way.
 */
export function scheduledTask<Report>(name: string, task: () => Promise<Report>) {
  const chain = middy<ScheduledEvent | Record<string, never>, Report>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(loadRedisAuth())
    .handler(async () => {
      try {
        const report = await task();
        logger.info(`${name}: done`, { report });
        return report;
      } catch (error) {
        logger.error(`${name}: failed`, error as Error);
        throw error;
      }
    });
  return perInvocation(chain);
}
