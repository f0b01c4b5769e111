import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../../scripts/stack/free-port';
import { isListening, startProcess, waitUntil, type ManagedProcess } from '../../../scripts/stack/processes';
import type { Packaged, Resource } from './package';

// A stand-in AWS account: moto_server on one port, with CloudFormation, S3, Lambda, SQS, SSM,
// IAM, EC2, Events, Logs and SNS answering real API calls (docs/deploy-stand-in.md). Its side of
// the test runs through stand-in-account.py (boto3, which comes with moto).

export const INSTALL_MOTO = 'pip install "moto[server]" boto3';
const ACCOUNT_SCRIPT = join(__dirname, 'stand-in-account.py');
const run = promisify(execFile);

/** Why this machine cannot run a stand-in account, or undefined if it can. */
export function standInMissing(): string | undefined {
  const moto = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  if (moto.error || moto.status !== 0) return `moto_server is not installed (${moto.error?.message ?? `exit ${moto.status}`})`;
  const boto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' });
  if (boto3.error || boto3.status !== 0) return 'python3 cannot import boto3';
  return undefined;
}

export interface StandIn {
  endpoint: string;
  process: ManagedProcess;
}

/** moto_server on a free port, its log in `logFile`; resolves once it answers. */
export async function startStandIn(logFile: string): Promise<StandIn> {
  const port = await freePort();
  const moto = startProcess('moto', 'moto_server', ['-H', '127.0.0.1', '-p', String(port)], { logFile });
  await waitUntil(`moto_server on port ${port}`, () => isListening(port), 30_000, moto);
  return { endpoint: `http://127.0.0.1:${port}`, process: moto };
}

/** One command of stand-in-account.py against the account; its JSON answer. */
export async function account<T>(endpoint: string, command: 'prepare' | 'deployed' | 'leftovers', ...args: string[]): Promise<T> {
  const { stdout } = await run('python3', [ACCOUNT_SCRIPT, command, endpoint, ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as T;
}

export interface Prerequisites {
  vpcId: string;
  subnetIds: string;
  securityGroupIds: string;
  redisAuthParameter: string;
}

export interface DeployedFunction {
  FunctionName: string;
  FunctionArn: string;
  Handler: string;
  Runtime: string;
  Timeout: number;
  MemorySize: number;
  Variables: Record<string, string>;
  VpcConfig: { SubnetIds?: string[]; SecurityGroupIds?: string[] };
}

export interface Deployed {
  stackStatus: string;
  bucket: string;
  resources: number;
  /** Resource types moto accepted without making anything, with how many of each. */
  unmodelled: Record<string, number>;
  routes: Record<string, { routeKey: string; payloadVersion: string }>;
  vpcEndpoints: string[];
  functions: Record<string, DeployedFunction>;
  mappings: {
    function: string;
    queueArn: string;
    queueUrl: string;
    batchSize: number;
    state: string;
    responseTypes: string[];
  }[];
  schedules: { ruleArn: string; expression: string; function: string }[];
}

export interface Leftovers {
  stack: string | null;
  functions: string[];
  queues: string[];
  mappings: string[];
  rules: string[];
  roles: string[];
  vpcEndpoints: string[];
}

/**
 * The deployed functions in the shape BundleHost runs: each zip as the account holds it (in
 * `zipFolder`, written by `account(..., 'deployed', ...)`) with the handler, timeout and
 * environment Lambda's GetFunction gave, nothing from the packaged template or the sources.
 */
export function deployedAsPackage(deployed: Deployed, zipFolder: string): Packaged {
  const resources: Record<string, Resource> = {};
  for (const [name, fn] of Object.entries(deployed.functions)) {
    resources[name] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: fn.FunctionName,
        Handler: fn.Handler,
        Timeout: fn.Timeout,
        Environment: { Variables: fn.Variables },
      },
    };
  }
  return { dir: zipFolder, template: { Resources: resources }, output: '', ms: 0, remove: () => {} };
}
