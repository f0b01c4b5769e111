import { spawn, type ChildProcess } from 'node:child_process';
import { SQS_ENDPOINT_BIN } from '../src';

export interface EndpointProcess {
  child: ChildProcess;
  /** Where it listens, as it said when it started. */
  url: string;
  port: number;
  /** What the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** The command line (bin/sqs-endpoint.cjs) as a process of its own; resolves once it listens. */
export async function startEndpointProcess(args: string[]): Promise<EndpointProcess> {
  const child = spawn(process.execPath, [SQS_ENDPOINT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (chunk) => (text += chunk));
  child.stderr.on('data', (chunk) => (text += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the endpoint did not start within 15 s:\n${text}`)), 15_000);
    child.stdout.on('data', () => {
      if (/listening on/.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the endpoint exited before it listened:\n${text}`));
    });
  });
  const url = /listening on (\S+)/.exec(text)![1];
  return {
    child,
    url,
    port: Number(new URL(url).port),
    output: () => text,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
