import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { STACK_URL_VARIABLES } from '../../scripts/stack/child-stack';

const ROOT = join(__dirname, '..', '..');
export const SERVERLESS_BIN = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');

/** `serverless offline start` as a user types it (through the package's bin), its output kept. */
export interface OfflineRun {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once it has ended. */
  exited: Promise<number | string>;
  ended(): boolean;
  /** Sends `signal` (Ctrl-C by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function runOffline(cwd: string, env: NodeJS.ProcessEnv): OfflineRun {
  const child = spawn(process.execPath, [SERVERLESS_BIN, 'offline', 'start'], {
    cwd,
    env: { SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let done = false;
  child.stdout.on('data', (chunk) => (text += chunk));
  child.stderr.on('data', (chunk) => (text += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return {
    child,
    output: () => text,
    exited,
    ended: () => done,
    stop: (signal = 'SIGINT') => {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

/** The environment of the test process without what names a Redis or an SQS endpoint. */
export function withoutStackUrls(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of STACK_URL_VARIABLES) delete copy[name];
  return copy;
}

/** Polls until `url` answers with `status`; fails with the run's output if it ends or time runs out. */
export async function waitForRoute(run: OfflineRun, url: string, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).status === status) return;
    } catch {
      /* not listening yet */
    }
    if (run.ended()) throw new Error(`serverless offline exited before ${url} answered:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Resolves with the exit code, or fails if the run is still going after `timeoutMs` (and ends it). */
export async function exitWithin(run: OfflineRun, timeoutMs: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  const result = await Promise.race([run.exited, late]);
  clearTimeout(timer);
  if (result === 'late') {
    run.child.kill('SIGKILL');
    throw new Error(`serverless offline still running after ${timeoutMs} ms:\n${run.output()}`);
  }
  return result;
}
