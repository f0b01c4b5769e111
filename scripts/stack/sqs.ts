import { join } from 'node:path';
import { portInUseMessage } from './leftovers';
import { LIFELINE, isListening, isPortFree, startProcess, waitUntil, type ManagedProcess, type StartOptions } from './processes';

const SERVER_SCRIPT = join(__dirname, '..', 'sqs-server.ts');

/** The local SQS endpoint, as its own process: queues are created by whoever uses it. */
export async function startSqs(options: { port: number; logFile: string; onSpawn?: StartOptions['onSpawn'] }): Promise<ManagedProcess> {
  if (!(await isPortFree(options.port))) throw new Error(portInUseMessage(options.port, 'set SQS_PORT to a free port'));
  const sqs = startProcess('sqs', process.execPath, ['--require', LIFELINE, '--import', 'tsx', SERVER_SCRIPT], {
    logFile: options.logFile,
    lifeline: true,
    onSpawn: options.onSpawn,
    env: { ...process.env, SQS_PORT: String(options.port) },
  });
  await waitUntil(`SQS endpoint on port ${options.port}`, () => isListening(options.port), 15_000, sqs);
  return sqs;
}
