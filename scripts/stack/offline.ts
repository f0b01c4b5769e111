import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { portInUseMessage } from './leftovers';
import { LIFELINE, stackNodeArgs, isPortFree, startProcess, waitUntil, type ManagedProcess, type StartOptions } from './processes';

const PROJECT_ROOT = join(__dirname, '..', '..');
const SERVERLESS_BIN = join(PROJECT_ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
/** How scripts/offline/plugin.ts begins the one line it prints when it refuses to start. */
const CANNOT_START = 'sagashop: serverless offline cannot start: ';

export interface OfflineOptions {
  httpPort: number;
  lambdaPort: number;
  logFile: string;
  env: NodeJS.ProcessEnv;
  onSpawn?: StartOptions['onSpawn'];
}

/** `serverless offline start` serving every function of serverless.yml on 127.0.0.1:httpPort. */
export async function startOffline(options: OfflineOptions): Promise<ManagedProcess> {
  for (const [name, port] of [
    ['HTTP_PORT', options.httpPort],
    ['LAMBDA_PORT', options.lambdaPort],
  ] as const) {
    if (!(await isPortFree(port))) throw new Error(portInUseMessage(port, `set ${name} to a free port`));
  }
  const logStart = existsSync(options.logFile) ? statSync(options.logFile).size : 0;
  const offline = startProcess(
    'api',
    process.execPath,
    [...stackNodeArgs(), '--require', LIFELINE, SERVERLESS_BIN, 'offline', 'start', '--stage', 'local'],
    {
      cwd: PROJECT_ROOT,
      logFile: options.logFile,
      lifeline: true,
      onSpawn: options.onSpawn,
      env: {
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        // Per-request log lines cost more than the requests themselves under load.
        SLS_LOG_LEVEL: 'warning',
        ...options.env,
        HTTP_PORT: String(options.httpPort),
        LAMBDA_PORT: String(options.lambdaPort),
      },
    },
  );
  // Any answer from the gateway (even a 404 for an unknown id) means the routes are up.
  const probe = async () => (await fetch(`http://127.0.0.1:${options.httpPort}/stock/find/readiness-probe`)).status === 404;
  try {
    await waitUntil(`serverless offline on port ${options.httpPort}`, probe, 120_000, offline);
  } catch (error) {
    // Our companion plugin says in one line why it would not start (a Redis that cannot be reached...).
    const said = readFileSync(options.logFile)
      .subarray(logStart)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.startsWith(CANNOT_START))
      .pop();
    throw said ? new Error(said.slice('sagashop: '.length)) : error;
  }
  return offline;
}
