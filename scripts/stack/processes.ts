import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Preload for node parts that are told `lifeline: true`: they stop themselves when the process
 * that started them is gone, even if it was killed with SIGKILL and could not stop them.
 */
export const LIFELINE = join(__dirname, 'lifeline.cjs');

/**
 * Node options for the stack's own Node parts (serverless offline, the SQS endpoint). A young
 * generation of 32 MiB semi-spaces instead of V8's default: every request allocates, and with the
 * small default the scavenges ran often enough to cost about a tenth of the throughput at 64
 * clients (docs/performance.md, "What was cut"). Then SAGASHOP_NODE_ARGS, which may override it:
 * `npm run bench -- --profile` passes --cpu-prof there, which NODE_OPTIONS refuses.
 */
export const stackNodeArgs = (): string[] => [
  '--max-semi-space-size=32',
  ...(process.env.SAGASHOP_NODE_ARGS?.trim().split(/\s+/).filter(Boolean) ?? []),
];

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** Resolves once the process has exited or was killed; never waits longer than graceMs + 2 s. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface StartOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Hold a pipe on the child's stdin; a child that watches it (LIFELINE) ends when we do. */
  lifeline?: boolean;
  /** Called right after the spawn, before the part is ready: who stops the stack must know it by then. */
  onSpawn?: (part: ManagedProcess) => void;
}

/** True if `promise` settles within `ms`; the timer goes with it, so that it holds no process up. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends a signal to the child's process group (its own, see below); false if it is gone. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Spawns a long-running process whose output goes to a log file, not to our console. */
export function startProcess(name: string, command: string, args: string[], options: StartOptions): ManagedProcess {
  mkdirSync(dirname(options.logFile), { recursive: true });
  // The child writes its log itself: it keeps logging (its own shutdown too) if we die first,
  // and its output never passes through our event loop.
  const log = openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.lifeline ? 'pipe' : 'ignore', log, log],
    // Its own process group: a signal to the stack's group (Ctrl-C, docker stop, CI) reaches
    // only the launcher, which then stops the parts in order.
    detached: true,
  });
  closeSync(log);
  child.stdin?.on('error', () => {});
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (error) => {
      appendFileSync(options.logFile, `${name} could not start: ${error.message}\n`);
      resolve('spawn-error');
    });
  });
  let stopping: Promise<void> | null = null;
  const stop = (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) => {
    stopping ??= (async () => {
      const pid = child.pid;
      if (child.exitCode === null && child.signalCode === null && pid) {
        signalGroup(pid, signal);
        const gone = await settlesWithin(exited, graceMs);
        // Also when the leader is gone: what it started in its group must not outlive it.
        signalGroup(pid, 'SIGKILL');
        if (!gone) await settlesWithin(exited, 2_000);
      }
    })();
    return stopping;
  };
  const part: ManagedProcess = { name, child, exited, stop };
  options.onSpawn?.(part);
  return part;
}

/** Polls `probe` until it returns true; fails with `what` once `timeoutMs` has passed. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  stillRunning?: ManagedProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (stillRunning && (stillRunning.child.exitCode !== null || stillRunning.child.signalCode !== null)) {
      throw new Error(`${what}: the process exited before it was ready`);
    }
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True when something accepts TCP connections on host:port. */
export async function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      // Linux lets a connect whose ephemeral source port equals the target port connect to itself:
      // that is no listener.
      const selfConnected = socket.localPort === port;
      socket.destroy();
      resolve(!selfConnected);
    });
    socket.once('error', () => resolve(false));
  });
}

/** True when this process could listen on 127.0.0.1:port now. */
export async function isPortFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
