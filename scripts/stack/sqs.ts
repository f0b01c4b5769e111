import { SQS_ENDPOINT_BIN } from '@sagashop/sqs-endpoint';
import { portInUseMessage } from './leftovers';
import {
  LIFELINE,
  stackNodeArgs,
  isListening,
  isPortFree,
  startProcess,
  waitUntil,
  type ManagedProcess,
  type StartOptions,
} from './processes';

/** What a run record matches the endpoint's process by (leftovers.ts). */
export const SQS_PROCESS_MATCH = ['sqs-endpoint', LIFELINE];

/**
 * The local SQS endpoint (@sagashop/sqs-endpoint), as its own process: queues are created by
 * whoever uses it. `faults` is its --faults list, for the chaos runs (e.g. "duplicate,delay=300").
 */
export async function startSqs(options: {
  port: number;
  logFile: string;
  faults?: string;
  onSpawn?: StartOptions['onSpawn'];
}): Promise<ManagedProcess> {
  if (!(await isPortFree(options.port))) throw new Error(portInUseMessage(options.port, 'set SQS_PORT to a free port'));
  const args = [
    ...stackNodeArgs(),
    '--require',
    LIFELINE,
    SQS_ENDPOINT_BIN,
    '--port',
    String(options.port),
    ...(options.faults ? ['--faults', options.faults] : []),
  ];
  const sqs = startProcess('sqs', process.execPath, args, {
    logFile: options.logFile,
    lifeline: true,
    onSpawn: options.onSpawn,
  });
  await waitUntil(`SQS endpoint on port ${options.port}`, () => isListening(options.port), 15_000, sqs);
  return sqs;
}
