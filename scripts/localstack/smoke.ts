// `npm run localstack:smoke`: deploys the service into the LocalStack of `npm run localstack:up`,
// calls every route of the contract through the deployed REST API, runs checkouts (paid and
// refused), runs `npm run check` against the compose Redis, and prints one verdict line.
//   --skip-deploy        use what is deployed already
//   --api <url>          call this gateway instead of looking the REST API up in LocalStack
//   --redis <url>        the Redis `npm run check` reads (default the local Redis port, which compose publishes)
// LocalStack's address is AWS_ENDPOINT_URL, default http://127.0.0.1:4566.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { localStackProblem } from '../../deploy/stage-plugin';
import { localRedisUrl } from '../../lib/clients/config';

const ROOT = join(__dirname, '..', '..');
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const endpoint = (process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566').replace(/\/$/, '');
const redisUrl = option('--redis') ?? localRedisUrl();
const CHECKOUTS = 10;

class SmokeFailure extends Error {}
const fail = (message: string): never => {
  throw new SmokeFailure(message);
};

/** Runs a command in the project, its output passed through; resolves with its exit code. */
function run(command: string, commandArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', ...env },
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** The base URL of the stage's REST API, as LocalStack serves it to the host. */
async function restApiUrl(): Promise<string> {
  const answer = await fetch(`${endpoint}/restapis`, {
    headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/apigateway/aws4_request' },
  });
  if (!answer.ok) fail(`LocalStack did not list its REST APIs (${answer.status})`);
  const { item = [] } = (await answer.json()) as { item?: { id: string; name: string }[] };
  const api =
    item.find((candidate) => candidate.name === 'localstack-sagashop') ??
    fail(`no REST API "localstack-sagashop" in LocalStack (found: ${item.map((i) => i.name).join(', ') || 'none'})`);
  return `${endpoint}/restapis/${api.id}/localstack/_user_request_`;
}

type Answer = { status: number; body: any };

function client(api: string) {
  const call = async (method: 'GET' | 'POST', path: string): Promise<Answer> => {
    const answer = await fetch(`${api}${path}`, { method, signal: AbortSignal.timeout(30_000) });
    const text = await answer.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      fail(`${method} ${path} answered ${answer.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    return { status: answer.status, body };
  };
  /** Calls a route that must answer 200 and returns its body. */
  const ok = async (method: 'GET' | 'POST', path: string, expected?: Record<string, unknown>) => {
    const answer = await call(method, path);
    if (answer.status !== 200) fail(`${method} ${path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    for (const [field, value] of Object.entries(expected ?? {})) {
      if (JSON.stringify(answer.body[field]) !== JSON.stringify(value))
        fail(`${method} ${path}: ${field} is ${JSON.stringify(answer.body[field])}, expected ${JSON.stringify(value)}`);
    }
    return answer.body;
  };
  return { call, ok };
}

/** Every route of the contract (../shared/API.md), each checked on its 200 body. Returns how many. */
async function everyRoute(api: string): Promise<number> {
  const { ok, call } = client(api);
  const { item_id } = await ok('POST', '/stock/item/create/5');
  await ok('GET', `/stock/find/${item_id}`, { item_id, stock: 0, price: 5 });
  await ok('POST', `/stock/add/${item_id}/10`, { item_id, stock: 10 });
  await ok('POST', `/stock/subtract/${item_id}/1`, { item_id, stock: 9 });
  await ok('POST', '/stock/batch_init/5/100/1', { msg: 'Batch init for stock successful' });
  const { user_id } = await ok('POST', '/payment/create_user');
  await ok('GET', `/payment/find_user/${user_id}`, { user_id, credit: 0 });
  await ok('POST', `/payment/add_funds/${user_id}/50`, { user_id, credit: 50 });
  await ok('POST', `/payment/pay/${user_id}/5`, { user_id, credit: 45 });
  await ok('POST', '/payment/batch_init/5/100', { msg: 'Batch init for users successful' });
  const { order_id } = await ok('POST', `/orders/create/${user_id}`);
  await ok('POST', `/orders/addItem/${order_id}/${item_id}/2`, { order_id, total_cost: 10 });
  await ok('GET', `/orders/find/${order_id}`, {
    order_id,
    paid: false,
    items: [[item_id, 2]],
    user_id,
    total_cost: 10,
  });
  await ok('POST', `/orders/checkout/${order_id}`, { order_id, paid: true });
  await ok('POST', '/orders/batch_init/5/5/5/1', { msg: 'Batch init for orders successful' });
  const { id } = await ok('GET', '/ids/create');
  if (typeof id !== 'string') fail(`GET /ids/create answered ${JSON.stringify(id)}`);
  const unknown = await call('GET', '/stock/find/x-no-such-item');
  if (unknown.status !== 404 || typeof unknown.body.error !== 'string')
    fail(`an unknown item answered ${unknown.status} ${JSON.stringify(unknown.body)}`);
  return 16;
}

/** Checkouts that must be paid, at a few at a time, and one that must be refused for credit. */
async function checkouts(api: string): Promise<{ paid: number; refused: number }> {
  const { ok, call } = client(api);
  const { item_id } = await ok('POST', '/stock/item/create/3');
  // Two for each paid checkout and one left, so the last checkout is refused for credit, not stock.
  await ok('POST', `/stock/add/${item_id}/${CHECKOUTS * 2 + 1}`);
  const orders = await Promise.all(
    Array.from({ length: CHECKOUTS }, async () => {
      const { user_id } = await ok('POST', '/payment/create_user');
      await ok('POST', `/payment/add_funds/${user_id}/6`);
      const { order_id } = await ok('POST', `/orders/create/${user_id}`);
      await ok('POST', `/orders/addItem/${order_id}/${item_id}/2`);
      return order_id as string;
    }),
  );
  let paid = 0;
  for (let start = 0; start < orders.length; start += 4) {
    const answers = await Promise.all(
      orders.slice(start, start + 4).map((order) => ok('POST', `/orders/checkout/${order}`, { order_id: order, paid: true })),
    );
    paid += answers.length;
  }
  const { user_id } = await ok('POST', '/payment/create_user');
  const { order_id } = await ok('POST', `/orders/create/${user_id}`);
  await ok('POST', `/orders/addItem/${order_id}/${item_id}/1`);
  const refused = await call('POST', `/orders/checkout/${order_id}`);
  if (refused.status !== 400 || !/credit/i.test(String(refused.body.error)))
    fail(`a checkout without credit answered ${refused.status} ${JSON.stringify(refused.body)}`);
  await ok('GET', `/orders/find/${order_id}`, { paid: false });
  await ok('GET', `/stock/find/${item_id}`, { stock: 1 });
  return { paid, refused: 1 };
}

async function main(): Promise<string> {
  const started = Date.now();
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  let api = option('--api');
  if (!api) {
    const problem = await localStackProblem(endpoint);
    if (problem) fail(problem);
    if (!args.includes('--skip-deploy')) {
      console.log(`localstack smoke: deploying (npm run deploy:local) into ${endpoint}`);
      const code = await run(process.execPath, [
        join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js'),
        'deploy',
        '--stage',
        'localstack',
      ]);
      if (code !== 0) fail(`serverless deploy --stage localstack exited with ${code} (its output is above)`);
    }
    api = await restApiUrl();
  }
  console.log(`localstack smoke: calling ${api}`);
  const routes = await everyRoute(api);
  const { paid, refused } = await checkouts(api);
  const check = await run('npm', ['run', '-s', 'check'], { REDIS_URL: redisUrl });
  if (check !== 0) fail(`npm run check against ${redisUrl} found a violation or could not run (exit ${check}, output above)`);
  return `${routes}/16 routes answered, ${paid}/${CHECKOUTS} checkouts paid, ${refused} refused for credit, npm run check OK, in ${seconds()} (API ${api})`;
}

main().then(
  (summary) => console.log(`localstack smoke: OK, ${summary}`),
  (error: Error) => {
    console.log(`localstack smoke: FAILED, ${error instanceof SmokeFailure ? error.message : (error.stack ?? error.message)}`);
    process.exitCode = 1;
  },
);
