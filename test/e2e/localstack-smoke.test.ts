import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack/free-port';
import { useStartedStack } from '../support/started-stack';

// `npm run localstack:smoke` needs Docker for its deploy half. Its other half (every route of the
// contract, the checkouts, `npm run check`, the verdict line) is run here against the offline
// gateway, and its first step (is LocalStack there?) against a LocalStack that is not.
const ROOT = join(__dirname, '..', '..');
const e2e = useStartedStack();

function smoke(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts/localstack/smoke.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run localstack:smoke', () => {
  it('passes every route, the checkouts and the invariant check through a gateway, in one verdict line', async () => {
    const api = `http://127.0.0.1:${e2e.ports.httpPort}`;
    const { code, output } = await smoke(['--api', api, '--redis', `redis://127.0.0.1:${e2e.ports.redisPort}`]);
    expect(output).toMatch(/localstack smoke: OK, 16\/16 routes answered, 10\/10 checkouts paid, 1 refused for credit, npm run check OK/);
    expect(code).toBe(0);
  }, 120_000);

  it('fails at once, saying what to do, when LocalStack is not up', async () => {
    const { code, output } = await smoke([], { AWS_ENDPOINT_URL: `http://127.0.0.1:${await freePort()}` });
    expect(code).toBe(1);
    expect(output).toMatch(
      /localstack smoke: FAILED, LocalStack is not reachable at .*\(ECONNREFUSED\)\. Start it with `npm run localstack:up`/,
    );
  }, 60_000);
});
