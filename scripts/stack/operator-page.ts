import { join } from 'node:path';
import { portInUseMessage } from './leftovers';
import { LIFELINE, isListening, isPortFree, startProcess, waitUntil, type ManagedProcess, type StartOptions } from './processes';

const PROJECT_ROOT = join(__dirname, '..', '..');
const SERVER_SCRIPT = join(PROJECT_ROOT, 'scripts', 'operator', 'server.ts');
const LUA_REQUIRE = join(PROJECT_ROOT, 'scripts', 'lua-require.cjs');

/** The operator's page (scripts/operator/server.ts) as its own process, reading the stack `env` names. */
export async function startOperatorPage(options: {
  port: number;
  logFile: string;
  env: NodeJS.ProcessEnv;
  onSpawn?: StartOptions['onSpawn'];
}): Promise<ManagedProcess> {
  if (!(await isPortFree(options.port))) throw new Error(portInUseMessage(options.port, 'set OPS_PORT to a free port'));
  const ops = startProcess('ops', process.execPath, ['--require', LIFELINE, '--require', LUA_REQUIRE, '--import', 'tsx', SERVER_SCRIPT], {
    cwd: PROJECT_ROOT,
    logFile: options.logFile,
    lifeline: true,
    onSpawn: options.onSpawn,
    env: { ...options.env, OPS_PORT: String(options.port) },
  });
  await waitUntil(`operator's page on port ${options.port}`, () => isListening(options.port), 30_000, ops);
  return ops;
}
