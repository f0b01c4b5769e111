import { replayLog } from '@lib/saga/replay';
import { scheduledTask } from '@lib/scheduled-task';

export const handler = scheduledTask('replay-log', () => replayLog());
