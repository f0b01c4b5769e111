import { join } from 'node:path';
import { isListening, isPortFree, startProcess, waitUntil, type ManagedProcess } from './processes';

const SERVER_SCRIPT = join(__dirname, '..', 'sqs-server.ts');

/** The local SQS endpoint, as its own process: queues are created by whoever uses it. */
export async function startSqs(options: { port: number; logFile: string }): Promise<ManagedProcess> {
  if (!(await isPortFree(options.port))) throw new Error(`port ${options.port} is already in use: set SQS_PORT to a free port`);
  const sqs = startProcess('sqs', process.execPath, ['--import', 'tsx', SERVER_SCRIPT], {
    logFile: options.logFile,
    env: { ...process.env, SQS_PORT: String(options.port) },
  });
  await waitUntil(`SQS endpoint on port ${options.port}`, () => isListening(options.port), 15_000, sqs);
  return sqs;
}
