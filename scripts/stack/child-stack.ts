import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

const ROOT = join(__dirname, '..', '..');

export interface RunningStack {
  api: string;
  output: () => string;
  /** Sends SIGINT (as Ctrl-C does) and resolves with the exit code. */
  stop(): Promise<number | null>;
  child: ChildProcess;
  /** Resolves with the exit code of what was spawned (npm, or scripts/start.ts). */
  exited: Promise<number | null>;
}

export interface StartHow {
  /** Run `npm start`, as a user does, with npm, sh and tsx's wrapper between us and the launcher. */
  viaNpm?: boolean;
  /** Lead a process group of its own, so that a test can signal the group as a terminal does. */
  detached?: boolean;
}

export interface StackPorts {
  httpPort: number;
  lambdaPort: number;
  redisPort: number;
  sqsPort: number;
  opsPort: number;
  dataDir: string;
  esbuildFolder: string;
}

/** Ports and folders of a stack that runs beside anything else on this machine. */
export async function isolatedStackPorts(): Promise<StackPorts> {
  return {
    httpPort: await freePort(),
    lambdaPort: await freePort(),
    redisPort: await freePort(),
    sqsPort: await freePort(),
    opsPort: await freePort(),
    dataDir: mkdtempSync(join(tmpdir(), 'sagashop-e2e-')),
    esbuildFolder: `.esbuild-test-${process.pid}-${Date.now()}`,
  };
}

/** What names a Redis or an SQS endpoint: a test's own, which a stack it starts must not inherit. */
export const STACK_URL_VARIABLES = [
  'REDIS_URL',
  'STOCK_REDIS_URL',
  'PAYMENT_REDIS_URL',
  'ORDER_REDIS_URL',
  'IDS_REDIS_URL',
  'SQS_ENDPOINT',
  'TEST_REDIS_BASE_URL',
] as const;

/** Starts the whole stack with the README's start script, as a user would, and waits for it. */
export function startStack(ports: StackPorts, extraEnv: NodeJS.ProcessEnv = {}, how: StartHow = {}): Promise<RunningStack> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HTTP_PORT: String(ports.httpPort),
    LAMBDA_PORT: String(ports.lambdaPort),
    REDIS_PORT: String(ports.redisPort),
    SQS_PORT: String(ports.sqsPort),
    OPS_PORT: String(ports.opsPort),
    DATA_DIR: ports.dataDir,
    ESBUILD_WORK_FOLDER: ports.esbuildFolder,
    ...extraEnv,
  };
  // The test's own servers are not the stack's.
  for (const name of STACK_URL_VARIABLES) {
    if (!(name in extraEnv)) delete env[name];
  }
  const [command, args] = how.viaNpm ? ['npm', ['start']] : [process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'start.ts')]];
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: how.detached,
  });
  let text = '';
  child.stdout.on('data', (chunk) => (text += chunk));
  child.stderr.on('data', (chunk) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stack: RunningStack = {
    api: `http://127.0.0.1:${ports.httpPort}`,
    output: () => text,
    child,
    exited,
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack did not start within 120 s:\n${text}`)), 120_000);
    child.stdout.on('data', () => {
      if (text.includes('Press Ctrl-C to stop')) {
        clearTimeout(timer);
        resolve(stack);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited (${code}) before it was up:\n${text}`));
    });
  });
}

export function removeStackFolders(ports: StackPorts): void {
  rmSync(ports.dataDir, { recursive: true, force: true });
  rmSync(join(ROOT, ports.esbuildFolder), { recursive: true, force: true });
}

export interface HttpAnswer {
  status: number;
  body: any;
  contentType: string | null;
}

export async function request(api: string, method: 'GET' | 'POST', path: string): Promise<HttpAnswer> {
  const response = await fetch(`${api}${path}`, { method });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep the text: the assertion will show it */
  }
  return { status: response.status, body, contentType: response.headers.get('content-type') };
}
