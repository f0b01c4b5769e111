// `--stage <name>` or `--api <url>` on `npm run saga`, `check`, `recover` and `ops`: act on a
// deployed sagashop through its operator API (deploy/operator.ts, `/ops/...` behind AWS IAM
// authorization) instead of the local Redis, every request signed with the user's credentials.
//   --api https://abc123.execute-api.eu-west-1.amazonaws.com   the stage's HTTP API URL
//   --stage prod [--region eu-west-1]                           the URL from stack sagashop-prod's
//                                                               HttpApiUrl output (CloudFormation)
import type { CheckReport, Overview, SagaView } from '../../lib/operator/api';
import type { ReplayReport } from '../../lib/saga/recovery';
import type { RedriveResult } from '../../lib/saga/queue-inspection';
import { signedFetch, type Credentials } from './sigv4';

export interface RemoteTarget {
  api: URL;
  region: string;
}

export class RemoteUsageError extends Error {}

/** The value after `--name`, or `--name=value`; undefined when absent. */
export function option(argv: string[], name: string): string | undefined {
  const index = argv.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (index < 0) return undefined;
  const arg = argv[index];
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
  if (!value || value.startsWith('--')) throw new RemoteUsageError(`--${name} needs a value`);
  return value;
}

/** The arguments that are not options nor their values (`--stage prod abc` → ["abc"]). */
export function positionals(argv: string[], withValues: string[]): string[] {
  const rest: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg.startsWith('--')) {
      if (!arg.includes('=') && withValues.includes(arg.slice(2))) index += 1;
    } else rest.push(arg);
  }
  return rest;
}

export const REMOTE_OPTIONS = ['stage', 'api', 'region'];

const regionOfApi = (url: URL) => /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];

/** Where the command acts: undefined for the local stack, else the deployed stage's API. */
export async function remoteTarget(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  credentials?: Credentials,
): Promise<RemoteTarget | undefined> {
  const api = option(argv, 'api');
  const stage = option(argv, 'stage');
  const region = option(argv, 'region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (api && stage) throw new RemoteUsageError('give --stage or --api, not both');
  if (api) {
    let url: URL;
    try {
      url = new URL(api);
    } catch {
      throw new RemoteUsageError(`--api must be a URL, like https://abc123.execute-api.eu-west-1.amazonaws.com (got ${api})`);
    }
    return { api: url, region: option(argv, 'region') ?? regionOfApi(url) ?? region ?? 'us-east-1' };
  }
  if (!stage) return undefined;
  if (stage === 'local') return undefined;
  const stackRegion = region ?? 'us-east-1';
  return { api: await stackApiUrl(`sagashop-${stage}`, stackRegion, credentials), region: stackRegion };
}

/** The stack's HttpApiUrl output, from CloudFormation's DescribeStacks (query API, signed). */
export async function stackApiUrl(
  stackName: string,
  region: string,
  credentials?: Credentials,
  endpoint = `https://cloudformation.${region}.amazonaws.com/`,
): Promise<URL> {
  const body = new URLSearchParams({
    Action: 'DescribeStacks',
    StackName: stackName,
    Version: '2010-05-15',
  }).toString();
  const response = await signedFetch(new URL(endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    service: 'cloudformation',
    region,
    credentials,
  });
  const text = await response.text();
  if (!response.ok)
    throw new RemoteUsageError(
      `CloudFormation could not describe ${stackName} in ${region} (${response.status}): ${/<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200)}`,
    );
  const url = /<OutputKey>HttpApiUrl<\/OutputKey>\s*<OutputValue>([^<]+)<\/OutputValue>/.exec(text)?.[1];
  if (!url) throw new RemoteUsageError(`stack ${stackName} in ${region} has no HttpApiUrl output: is it a sagashop AWS stage?`);
  return new URL(url);
}

export interface RemoteAnswer {
  status: number;
  body: any;
}

/** The operator API of a deployed stage, each request signed (service execute-api). */
export class RemoteOperator {
  constructor(
    readonly target: RemoteTarget,
    private readonly credentials?: Credentials,
  ) {}

  /** One route below /ops/ ("overview", "saga?id=..."), as the local page's /api/ names it. */
  async request(method: string, route: string, query: URLSearchParams = new URLSearchParams()): Promise<RemoteAnswer> {
    const url = new URL(`ops/${route}`, this.target.api.href.endsWith('/') ? this.target.api : `${this.target.api.href}/`);
    url.search = query.toString();
    const post = method === 'POST';
    const response = await signedFetch(url, {
      method,
      headers: post ? { 'content-type': 'application/json' } : {},
      body: post ? '{}' : undefined,
      service: 'execute-api',
      region: this.target.region,
      credentials: this.credentials,
    });
    const text = await response.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = { error: text.slice(0, 300) };
    }
    return { status: response.status, body };
  }

  private async ok<T>(method: string, route: string, query?: Record<string, string>): Promise<T> {
    const answer = await this.request(method, route, new URLSearchParams(query));
    if (answer.status === 403)
      throw new Error(
        `${this.target.api.host} refused the signed request (403): ${answer.body?.message ?? answer.body?.error ?? ''} — do your credentials allow execute-api:Invoke on it?`,
      );
    if (answer.status !== 200)
      throw new Error(
        `${this.target.api.host} answered ${answer.status}: ${answer.body?.error ?? answer.body?.message ?? JSON.stringify(answer.body)}`,
      );
    return answer.body as T;
  }

  overview = () => this.ok<Overview>('GET', 'overview');
  saga = (id: string) => this.ok<{ id: string; sagas: SagaView[] }>('GET', 'saga', { id });
  check = () => this.ok<CheckReport>('GET', 'check');
  replay = (staleMs?: number) =>
    this.ok<ReplayReport & { ms: number }>('POST', 'replay', staleMs === undefined ? {} : { 'stale-ms': String(staleMs) });
  redrive = (step: string) => this.ok<RedriveResult>('POST', 'redrive', { step });
}
