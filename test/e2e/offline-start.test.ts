import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../scripts/stack/leftovers';
import { freePort } from '../../scripts/stack/free-port';
import { isListening } from '../../scripts/stack/processes';
import { request } from '../../scripts/stack/child-stack';
import { exitWithin, runOffline, waitForRoute, withoutStackUrls, type OfflineRun } from '../support/offline-process';

// `npx serverless offline start`, typed by someone who knows the Framework rather than `npm start`:
// with nothing named by REDIS_URL or SQS_ENDPOINT it must bring up the same stack (Redis with its
// append-only file in the data folder, the SQS endpoint) and take it down with it; with a Redis
// that cannot be reached it must say so in one line and serve nothing.

const ROOT = join(__dirname, '..', '..');

interface Ports {
  HTTP_PORT: string;
  LAMBDA_PORT: string;
  REDIS_PORT: string;
  SQS_PORT: string;
}

async function isolated(): Promise<{
  env: NodeJS.ProcessEnv;
  ports: Ports;
  dataDir: string;
  esbuildFolder: string;
}> {
  const ports = {
    HTTP_PORT: String(await freePort()),
    LAMBDA_PORT: String(await freePort()),
    REDIS_PORT: String(await freePort()),
    SQS_PORT: String(await freePort()),
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'sagashop-offline-'));
  const esbuildFolder = `.esbuild-test-${process.pid}-${Date.now()}`;
  return {
    env: { ...withoutStackUrls(), ...ports, DATA_DIR: dataDir, ESBUILD_WORK_FOLDER: esbuildFolder },
    ports,
    dataDir,
    esbuildFolder,
  };
}

const pidOf = (output: string, part: string) => Number(new RegExp(`^\\s+${part}\\s+\\S+\\s+.*\\(pid (\\d+)\\)`, 'm').exec(output)?.[1]);

describe('serverless offline start on its own', () => {
  let run: OfflineRun | undefined;
  let setup: Awaited<ReturnType<typeof isolated>>;

  afterEach(async () => {
    if (run && !run.ended()) {
      void run.stop();
      await exitWithin(run, 40_000).catch(() => undefined);
    }
    run = undefined;
    rmSync(join(ROOT, setup.esbuildFolder), { recursive: true, force: true });
    rmSync(setup.dataDir, { recursive: true, force: true });
  }, 60_000);

  it('starts Redis and the SQS endpoint itself, completes a paid checkout, and Ctrl-C stops them too', async () => {
    setup = await isolated();
    const { ports } = setup;
    const api = `http://127.0.0.1:${ports.HTTP_PORT}`;
    run = runOffline(ROOT, setup.env);
    await waitForRoute(run, `${api}/stock/find/readiness-probe`, 404, 150_000);

    const out = run.output();
    expect(out).toMatch(new RegExp(`redis\\s+redis://127.0.0.1:${ports.REDIS_PORT}\\s+append-only data in ${setup.dataDir}/redis`));
    expect(out).toMatch(new RegExp(`sqs\\s+http://127.0.0.1:${ports.SQS_PORT}\\s+sagashop SQS endpoint`));
    const redisPid = pidOf(out, 'redis');
    const sqsPid = pidOf(out, 'sqs');
    expect([isAlive(redisPid), isAlive(sqsPid)]).toEqual([true, true]);
    expect(out).not.toMatch(/\[ioredis\]|SQS_ENDPOINT is not set/);

    const post = (path: string) => request(api, 'POST', path);
    const { user_id } = (await post('/payment/create_user')).body;
    await post(`/payment/add_funds/${user_id}/100`);
    const { item_id } = (await post('/stock/item/create/7')).body;
    await post(`/stock/add/${item_id}/5`);
    const { order_id } = (await post(`/orders/create/${user_id}`)).body;
    await post(`/orders/addItem/${order_id}/${item_id}/2`);
    expect(await post(`/orders/checkout/${order_id}`)).toMatchObject({
      status: 200,
      body: { order_id, paid: true },
    });
    expect((await request(api, 'GET', `/payment/find_user/${user_id}`)).body).toEqual({
      user_id,
      credit: 86,
    });

    void run.stop('SIGINT');
    expect(await exitWithin(run, 40_000)).toBe(0);
    expect([isAlive(redisPid), isAlive(sqsPid)]).toEqual([false, false]);
    for (const port of [ports.HTTP_PORT, ports.REDIS_PORT, ports.SQS_PORT])
      expect({ port, listening: await isListening(Number(port)) }).toEqual({ port, listening: false });
    expect(run.output()).toMatch(/stopping sqs\.\.\. done[\s\S]*stopping redis\.\.\. done/);
    // The data stays for the next start (npm start's or this one's), and no run record is left.
    expect(existsSync(join(setup.dataDir, 'redis'))).toBe(true);
    expect(readdirSync(join(setup.dataDir, 'run')).filter((file) => file.endsWith('.pid'))).toEqual([]);
  }, 240_000);

  it('a Redis that dies while it serves: one line saying so, the SQS endpoint stopped, exit 1', async () => {
    setup = await isolated();
    run = runOffline(ROOT, setup.env);
    await waitForRoute(run, `http://127.0.0.1:${setup.ports.HTTP_PORT}/stock/find/readiness-probe`, 404, 150_000);
    const [redisPid, sqsPid] = [pidOf(run.output(), 'redis'), pidOf(run.output(), 'sqs')];
    process.kill(redisPid, 'SIGKILL');
    expect(await exitWithin(run, 40_000)).toBe(1);
    expect(run.output()).toMatch(/redis exited unexpectedly \(SIGKILL\); see .*\. Stopping the rest\.\n[\s\S]*stopping sqs\.\.\. done/);
    expect(isAlive(sqsPid)).toBe(false);
    expect(readdirSync(join(setup.dataDir, 'run')).filter((file) => file.endsWith('.pid'))).toEqual([]);
  }, 200_000);

  it('with a Redis that cannot be reached: one line saying so, exit 1, nothing served or started', async () => {
    setup = await isolated();
    const deadPort = await freePort(); // nothing listens there
    run = runOffline(ROOT, { ...setup.env, REDIS_URL: `redis://127.0.0.1:${deadPort}` });
    const answers: number[] = [];
    const probe = setInterval(() => {
      fetch(`http://127.0.0.1:${setup.ports.HTTP_PORT}/stock/find/x`).then(
        (response) => answers.push(response.status),
        () => undefined,
      );
    }, 200);
    try {
      expect(await exitWithin(run, 150_000)).toBe(1);
    } finally {
      clearInterval(probe);
    }
    const problems = run
      .output()
      .split('\n')
      .filter((line) => /cannot be reached|cannot start/.test(line));
    expect(problems).toEqual([
      `sagashop: serverless offline cannot start: Redis at redis://127.0.0.1:${deadPort} cannot be reached (connect ECONNREFUSED 127.0.0.1:${deadPort}): start it, or leave REDIS_URL unset and one is started`,
    ]);
    expect(run.output()).not.toMatch(/\[ioredis\]|Unhandled error|sqs\s+http:/);
    expect(answers).toEqual([]);
    expect(await isListening(Number(setup.ports.SQS_PORT))).toBe(false);
  }, 200_000);
});
