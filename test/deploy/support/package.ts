import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAGA, stepNamesOf } from '../../../lib/saga/definition';
import { queueLogicalId } from '../../../deploy/saga-template';

// `serverless package` run the way a user runs it, and the CloudFormation template it writes.

export const ROOT = join(__dirname, '..', '..', '..');
const SERVERLESS = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');

/** A shell full of local settings: deployed stages must take none of it into their package. */
export const LOCAL_SHELL: NodeJS.ProcessEnv = {
  REDIS_URL: 'redis://:shell-secret@127.0.0.1:6390',
  STOCK_REDIS_URL: 'redis://127.0.0.1:6391',
  SQS_ENDPOINT: 'http://localhost:4566',
  REPLAY_RATE: '1 minute',
  QUEUE_VISIBILITY_TIMEOUT: '2',
  SAGASHOP_CRASH_AT: 'after-write-before-send',
  SAGASHOP_CRASH_PROBABILITY: '0.5',
  SAGA_RETENTION_SECONDS: '10',
};

/** The parameters a production deploy must have (README, "Deploy"), with made-up ids. */
export const PROD_PARAMS = {
  redisUrl: 'rediss://master.cache.example.com:6379',
  redisAuthParameter: '/sagashop/prod/redis-auth',
  vpcId: 'vpc-0a1b2c3d',
  subnetIds: 'subnet-0a1,subnet-0b2',
  securityGroupIds: 'sg-0c3',
};

export interface Run {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs the Framework's CLI in the project; resolves when it exits or is killed at the timeout. */
export function runServerless(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVERLESS, ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

export const paramArgs = (params: Record<string, string>) => Object.entries(params).map(([name, value]) => `--param=${name}=${value}`);

export type Resource = { Type: string; Properties: any; DependsOn?: unknown; Condition?: string };

export interface Packaged {
  /** The folder `--package` wrote: one zip per function and the templates. */
  dir: string;
  template: { Resources: Record<string, Resource>; Outputs?: Record<string, unknown> };
  output: string;
  ms: number;
  remove(): void;
}

/** `serverless package --stage <stage>` into a temporary folder; throws with the CLI's output if it fails. */
export async function packageStage(stage: string, params: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): Promise<Packaged> {
  const dir = mkdtempSync(join(tmpdir(), `sagashop-package-${stage}-`));
  const workFolder = `.esbuild-package-${process.pid}-${stage}-${Math.random().toString(36).slice(2, 8)}`;
  const run = await runServerless(['package', '--stage', stage, '--package', dir, ...paramArgs(params)], {
    ...env,
    ESBUILD_WORK_FOLDER: workFolder,
  });
  rmSync(join(ROOT, workFolder), { recursive: true, force: true });
  if (run.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`serverless package --stage ${stage} failed (${run.code}):\n${run.output}`);
  }
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
  return {
    dir,
    template,
    output: run.output,
    ms: run.ms,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The same package for every test file that asks for it during one jest run: packaging takes
 * 10-20 s of the machine's two cores. The first file to ask packages into the run's temporary
 * folder (which global teardown removes); the others wait for its result.
 */
export async function sharedPackage(stage: string, params: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): Promise<Packaged> {
  const base = process.env.TEST_TMP_DIR;
  if (!base) return packageStage(stage, params, env);
  const key = createHash('sha256')
    .update(JSON.stringify([stage, params, env]))
    .digest('hex')
    .slice(0, 16);
  const folder = join(base, 'packages', `${stage}-${key}`);
  const done = join(folder, 'packaged.json');
  mkdirSync(join(base, 'packages'), { recursive: true });
  let owner = false;
  try {
    mkdirSync(folder);
    owner = true;
  } catch {
    // Another test file is packaging it, or has.
  }
  if (owner) {
    try {
      const packaged = await packageStage(stage, params, env);
      renameSync(packaged.dir, join(folder, 'package'));
      writeFileSync(done, JSON.stringify({ output: packaged.output, ms: packaged.ms }));
    } catch (error) {
      writeFileSync(done, JSON.stringify({ error: (error as Error).message }));
    }
  }
  for (let waited = 0; !existsSync(done); waited += 250) {
    if (waited > 240_000) throw new Error(`gave up waiting for the shared ${stage} package`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const result = JSON.parse(readFileSync(done, 'utf8'));
  if (result.error) throw new Error(result.error);
  const dir = join(folder, 'package');
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
  // Shared: the run's teardown removes it, not the test file.
  return { dir, template, output: result.output, ms: result.ms, remove: () => {} };
}

/**
 * The production package from a shell full of local settings, packaged once for the test file
 * (shared between files, see sharedPackage) and removed after it: read it through the getter.
 */
export function productionPackage(): () => Packaged {
  let packaged: Packaged | undefined;
  beforeAll(async () => {
    packaged = await sharedPackage('prod', PROD_PARAMS, LOCAL_SHELL);
  }, 180_000);
  afterAll(() => packaged?.remove());
  return () => {
    if (!packaged) throw new Error('the production package was not built (see beforeAll)');
    return packaged;
  };
}

export const ofType = (packaged: Packaged, type: string) =>
  Object.entries(packaged.template.Resources).filter(([, resource]) => resource.Type === type);
export const logicalIdOf = (value: any): string => value?.['Fn::GetAtt']?.[0] ?? value?.Ref;

/** Every function's name (without service and stage) and resource. */
export function functionsOf(packaged: Packaged, stage: string): [string, Resource][] {
  return ofType(packaged, 'AWS::Lambda::Function').map(([, fn]) => [fn.Properties.FunctionName.replace(`sagashop-${stage}-`, ''), fn]);
}

/** The statements of a function's own role. */
export function roleStatements(packaged: Packaged, fn: Resource): any[] {
  const role = packaged.template.Resources[logicalIdOf(fn.Properties.Role)];
  return role.Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement);
}

/** A function's SQS rights as "action queue" (logical id), sorted. */
export function sqsGrants(packaged: Packaged, fn: Resource): string[] {
  const grants = roleStatements(packaged, fn)
    .filter((statement: any) => [statement.Action].flat().some((action: string) => action.startsWith('sqs:')))
    .flatMap((statement: any) =>
      [statement.Action]
        .flat()
        .flatMap((action: string) => [statement.Resource].flat().map((resource: any) => `${action} ${logicalIdOf(resource)}`)),
    );
  return [...new Set<string>(grants)].sort();
}

/** What a consuming function's role holds for its queue: the plugin adds consuming it for the sqs
 * event; the step retries a failed record after a backoff by changing its visibility. */
export const consumeGrants = (queue: string) =>
  ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'].map(
    (action) => `${action} ${queue}`,
  );
export const sendGrants = (...queues: string[]) => queues.map((queue) => `sqs:SendMessage ${queue}`);

/** The template's logical id of every step's queue, from the declaration: ReserveStockQueue, ... */
export const SAGA_QUEUES = stepNamesOf(SAGA).map(queueLogicalId);

/** Every route of the contract (../shared/API.md) as "METHOD /path". */
export const CONTRACT_ROUTES = [
  'POST /stock/item/create/{price}',
  'GET /stock/find/{item_id}',
  'POST /stock/add/{item_id}/{amount}',
  'POST /stock/subtract/{item_id}/{amount}',
  'POST /stock/batch_init/{n}/{starting_stock}/{item_price}',
  'POST /payment/create_user',
  'GET /payment/find_user/{user_id}',
  'POST /payment/add_funds/{user_id}/{amount}',
  'POST /payment/pay/{user_id}/{amount}',
  'POST /payment/batch_init/{n}/{starting_money}',
  'POST /orders/create/{user_id}',
  'GET /orders/find/{order_id}',
  'POST /orders/addItem/{order_id}/{item_id}/{quantity}',
  'POST /orders/checkout/{order_id}',
  'POST /orders/batch_init/{n}/{n_items}/{n_users}/{item_price}',
  'GET /ids/create',
];
