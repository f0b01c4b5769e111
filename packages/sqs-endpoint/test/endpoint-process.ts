import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { SQS_ENDPOINT_BIN } from '../src';

/** A port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface EndpointProcess {
  child: ChildProcess;
  /** What the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** The command line (bin/sqs-endpoint.cjs) as a process of its own; resolves once it listens. */
export async function startEndpointProcess(args: string[]): Promise<EndpointProcess> {
  const child = spawn(process.execPath, [SQS_ENDPOINT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const process_: EndpointProcess = {
    child,
    output: () => text,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the endpoint did not start within 15 s:\n${text}`)), 15_000);
    child.stdout!.on('data', () => {
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
  return process_;
}
