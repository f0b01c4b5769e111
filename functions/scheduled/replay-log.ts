import { replayWithMetrics } from '@lib/saga/replay-metrics';
import { scheduledTask } from '@lib/scheduled-task';

export const handler = scheduledTask('replay-log', replayWithMetrics);
