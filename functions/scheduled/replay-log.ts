import { replayWithMetrics } from '@lib/saga/replay-metrics';
import { scheduledTask } from '@lib/lambda/scheduled-task';

export const handler = scheduledTask('replay-log', replayWithMetrics);
