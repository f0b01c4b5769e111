// What each stage of serverless.yml is made of, decided in one place and checked before anything
// is built. Three kinds of stage:
// - `local`: `sls offline` (npm start, the tests, the chaos runs). The only stage that reads the
//   shell's environment, and the only one whose bundles keep the fault-injection code.
// - `localstack`: a deploy into LocalStack's free image. Fixed settings: a REST API (its free
//   edition has no HTTP APIs), the host's architecture, Redis on the compose network.
// - every other name deploys to AWS: every setting comes from `--param` (nothing from the shell),
//   the required ones must be given, and a missing or malformed one stops packaging with a message
//   saying what to pass.
import { DEFAULT_CHECKOUT_WAIT_MS, DEPLOYED_BUILD_DEFINE, LOCAL_DURABILITY, localRedisUrl, parseDurability } from '../lib/clients/config';
import { parseRedisUrl } from '../lib/clients/redis-url';
import { redactUrl } from '../lib/clients/secrets';
import { alarmResources } from './alarms';
import { awsTemplateParts, type AwsTemplateInput } from './aws-template';
import { CONCURRENCY_PARAMS, concurrencyBounds } from './concurrency';
import { queueUrlEnvironment, type ConcurrencyBounds } from './saga-template';
import { SAGA, type SagaDeclaration } from '../lib/saga/definition';
import packageJson from '../package.json';

export type StageKind = 'local' | 'localstack' | 'aws';

export interface StageInputs {
  stage: string;
  region: string;
  /** The stage's --param values. */
  params: Record<string, string>;
  /** The shell's environment: read for the local stage only. */
  env: NodeJS.ProcessEnv;
  /** process.arch of the machine packaging (LocalStack runs functions on the host's). */
  hostArch: string;
  /** The saga whose queue URLs the functions get (lib/saga/definition.ts unless a test gives one). */
  saga?: SagaDeclaration;
}

export interface StageSettings {
  kind: StageKind;
  deployed: boolean;
  /** serverless.yml's routes are HTTP API routes; `rest` turns them into REST API routes. */
  api: 'httpApi' | 'rest';
  batchInitRoutes: boolean;
  architecture: 'arm64' | 'x86_64';
  environment: Record<string, unknown>;
  replayRate: string;
  /** The replay function's timeout: its schedule's period (at most Lambda's 900 s), which it works through under a backlog. */
  replayTimeout: number;
  visibilityTimeout: number;
  logRetentionInDays: number;
  vpc: { securityGroupIds: unknown[]; subnetIds: string[] } | null;
  iamStatements: unknown[];
  /** AWS stages: the steps' and senders' reserved concurrency (deploy/concurrency.ts); elsewhere null. */
  concurrency: ConcurrencyBounds | null;
  /** Dead-letter queues outlive the stack (DeletionPolicy Retain) unless a stage says otherwise. */
  retainDeadLetterQueues: boolean;
  resources: { Resources?: Record<string, unknown>; extensions?: Record<string, unknown> };
  /** CloudWatch alarms and their SNS topic: AWS stages only (deploy/alarms.ts; the plugin adds
   * one per function, which variables cannot enumerate). */
  alarms: { Resources?: Record<string, unknown> };
  esbuild: { define: Record<string, string>; skipRebuild: boolean; minifySyntax: boolean; exclude: string[] };
  /** Said loudly when packaging (deploy/stage.cjs), e.g. a store durability that keeps no promise. */
  warnings: string[];
}

export class StageSettingsError extends Error {}

type ParamSpec = {
  example: string;
  meaning: string;
  required?: boolean;
  fallback?: string;
  check?: (value: string) => string | undefined;
};

const RATE = /^[1-9]\d* (minute|minutes|hour|hours|day|days)$/;
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 2192, 2557, 2922, 3288, 3653];
const SSM_NAME = /^(none|\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*)$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const redisUrlCheck = (value: string) => {
  try {
    const endpoint = parseRedisUrl(value);
    if (endpoint.password)
      return 'must not carry the AUTH token: the template would hold it in plain text; put it in SSM and name it with redisAuthParameter';
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
};
const durabilityCheck = (value: string) => {
  try {
    parseDurability(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};
/** The store's durability (docs/durability.md), as the functions get it in REDIS_DURABILITY. */
const storeDurability = (fallback: string, meaning: string): ParamSpec => ({
  example: 'memorydb',
  meaning,
  fallback,
  check: durabilityCheck,
});
const durabilityWarnings = (value: string | undefined): string[] =>
  value === 'none'
    ? [
        'WARNING: storeDurability=none: a crash of the Redis host or a failover may lose writes that messages, answers ' +
          'and replay decisions already rest on; checkout is then no longer all-or-nothing (docs/durability.md).',
      ]
    : [];
const oneOf =
  (...values: string[]) =>
  (value: string) =>
    values.includes(value) ? undefined : `must be one of ${values.join(', ')}`;
const positive = (value: string) => (/^[1-9]\d*$/.test(value) ? undefined : 'must be a positive whole number');
const idList = (prefix: string, most: number) => (value: string) => {
  const ids = value.split(',').map((id) => id.trim());
  if (ids.some((id) => !new RegExp(`^${prefix}-[0-9a-f]+$`).test(id))) return `must be a comma-separated list of ${prefix}-... ids`;
  return ids.length > most ? `takes at most ${most} ids` : undefined;
};

const SERVICE_URLS: Record<string, ParamSpec> = Object.fromEntries(
  ['stock', 'payment', 'order', 'ids'].map((service) => [
    `${service}RedisUrl`,
    {
      example: 'rediss://...',
      meaning: `a Redis of its own for the ${service} service (default: redisUrl)`,
      check: redisUrlCheck,
    },
  ]),
);

export const AWS_PARAMS: Record<string, ParamSpec> = {
  redisUrl: {
    required: true,
    example: 'rediss://master.my-cache.abc123.use1.cache.amazonaws.com:6379',
    meaning: 'the ElastiCache endpoint, without the token',
    check: redisUrlCheck,
  },
  redisAuthParameter: {
    required: true,
    example: '/sagashop/prod/redis-auth',
    meaning: 'the SSM SecureString holding the AUTH token, or "none"',
    check: (v) => (SSM_NAME.test(v) ? undefined : 'must be an SSM parameter name'),
  },
  vpcId: {
    required: true,
    example: 'vpc-0123456789abcdef0',
    meaning: "the cache's VPC",
    check: idList('vpc', 1),
  },
  subnetIds: {
    required: true,
    example: 'subnet-0aaa1111,subnet-0bbb2222',
    meaning: 'private subnets for the functions',
    check: idList('subnet', 16),
  },
  securityGroupIds: {
    required: true,
    example: 'sg-0ccc3333',
    meaning: 'groups the cache lets in',
    check: idList('sg', 4),
  },
  ...SERVICE_URLS,
  redisAuthKmsKeyArn: {
    example: 'arn:aws:kms:...:key/...',
    meaning: 'only if the SecureString uses a customer-managed key',
    check: (v) => (/^arn:aws[\w-]*:kms:/.test(v) ? undefined : 'must be a KMS key ARN'),
  },
  endpointSubnetIds: {
    example: 'subnet-0aaa1111,subnet-0ddd4444',
    meaning: "the VPC endpoints' subnets, at most one per zone (default: the first of subnetIds)",
    check: idList('subnet', 16),
  },
  createVpcEndpoints: {
    example: 'false',
    meaning: 'false if the VPC already has SQS and SSM endpoints or a NAT',
    fallback: 'true',
    check: oneOf('true', 'false'),
  },
  architecture: {
    example: 'x86_64',
    meaning: "the functions' CPU",
    fallback: 'arm64',
    check: oneOf('arm64', 'x86_64'),
  },
  logRetentionDays: {
    example: '90',
    meaning: 'how long CloudWatch keeps the logs',
    fallback: '30',
    check: (v) => (RETENTION_DAYS.includes(Number(v)) ? undefined : `must be one of ${RETENTION_DAYS.join(', ')}`),
  },
  apiRateLimit: {
    example: '200',
    meaning: 'steady requests per second the API lets through',
    fallback: '100',
    check: positive,
  },
  apiBurstLimit: {
    example: '400',
    meaning: 'requests the API lets through at once',
    fallback: '200',
    check: positive,
  },
  batchInitRoutes: {
    example: 'true',
    meaning: 'serve the batch_init routes (they overwrite data)',
    fallback: 'false',
    check: oneOf('true', 'false'),
  },
  replayRate: {
    example: '1 minute',
    meaning: 'how often the replay runs',
    fallback: '5 minutes',
    check: (v) => (RATE.test(v) ? undefined : 'must look like "5 minutes"'),
  },
  ...CONCURRENCY_PARAMS,
  retainDeadLetterQueues: {
    example: 'false',
    meaning: 'keep the dead-letter queues when the stack is removed',
    fallback: 'true',
    check: oneOf('true', 'false'),
  },
  // ElastiCache as the README deploys it: a replica must acknowledge each write before it is acted
  // on. A cache without a replica then refuses every write, saying so, instead of losing some.
  storeDurability: storeDurability('replicas:1', 'replicas:N[:timeoutMs] (ElastiCache: WAIT for N replicas), memorydb, fsync, or none'),
  alarmEmail: {
    example: 'ops@example.com',
    meaning: 'an address the alarms notify (it must confirm the subscription)',
    check: (v) => (EMAIL.test(v) ? undefined : 'must be an e-mail address'),
  },
};

const LOCALSTACK_PARAMS: Record<string, ParamSpec> = {
  redisUrl: {
    example: 'redis://redis:6379',
    meaning: 'Redis as the Lambda containers reach it',
    fallback: 'redis://redis:6379',
    check: redisUrlCheck,
  },
  architecture: {
    example: 'arm64',
    meaning: "the functions' CPU (default: this machine's)",
    check: oneOf('arm64', 'x86_64'),
  },
  batchInitRoutes: {
    example: 'false',
    meaning: 'serve the batch_init routes',
    fallback: 'true',
    check: oneOf('true', 'false'),
  },
  // The compose Redis runs with appendfsync always.
  storeDurability: storeDurability('fsync', 'fsync (the compose Redis fsyncs each write), replicas:N, memorydb, or none'),
};

/** The stage's parameters, checked: every problem at once, with the command that would work. */
function readParams(stage: string, specs: Record<string, ParamSpec>, given: Record<string, string>): Record<string, string | undefined> {
  const problems: string[] = [];
  for (const name of Object.keys(given)) if (!(name in specs)) problems.push(`unknown parameter "${name}"`);
  const values: Record<string, string | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = given[name]?.trim() || undefined;
    if (value === undefined) {
      if (spec.required) problems.push(`${name} is missing: ${spec.meaning}`);
      values[name] = spec.fallback;
      continue;
    }
    const problem = spec.check?.(value);
    // A URL is echoed without its credentials: this message is printed.
    if (problem) problems.push(`${name} ${problem} (got ${redactUrl(value)})`);
    values[name] = value;
  }
  if (problems.length > 0) {
    const required = Object.entries(specs).filter(([, spec]) => spec.required);
    const example = required.map(([name, spec]) => ` \\\n    --param="${name}=${spec.example}"`).join('');
    const optional = Object.entries(specs)
      .filter(([, spec]) => !spec.required)
      .map(([name, spec]) => `  ${name}: ${spec.meaning}${spec.fallback ? ` (default ${spec.fallback})` : ''}`);
    throw new StageSettingsError(
      [
        `Stage "${stage}" cannot be packaged:`,
        ...problems.map((problem) => `  - ${problem}`),
        ...(required.length > 0 ? [`Deploy it with:`, `  serverless deploy --stage ${stage}${example}`] : []),
        ...(optional.length > 0 ? ['Optional parameters:', ...optional] : []),
        'See the README, section "Deploy".',
      ].join('\n'),
    );
  }
  return values;
}

// The saga's timings on deployed stages: lib/clients/config.ts's defaults and the declared deadline,
// written out so the template says what runs.
const deployedTimings = (saga: SagaDeclaration) => ({
  SAGA_RETENTION_SECONDS: '3600',
  CHECKOUT_DEADLINE_MS: String(saga.deadlineMs),
  MESSAGE_GRACE_MS: '60000',
  REPLAY_STALE_MS: '15000',
  CHECKOUT_WAIT_MS: String(DEFAULT_CHECKOUT_WAIT_MS),
});
/** Deployed bundles: lib/lambda/faults.ts and lib/clients/config.ts read SAGASHOP_BUILD as a constant, and
 * esbuild's syntax minification drops the branches that constant rules out (names and
 * whitespace stay, so stack traces stay readable). */
const DEPLOYED_BUILD = { define: DEPLOYED_BUILD_DEFINE, skipRebuild: true, minifySyntax: true, exclude: [] };

/**
 * Local bundles leave the runtime dependencies in node_modules, where the functions find them
 * at run time: bundling a copy of the AWS SDK, ioredis and Powertools into each of 20-odd
 * functions took most of every `sls offline` start (8.6 of 15.7 s idle; 2.1 MB per bundle).
 * middy ships ESM only, which a CommonJS bundle must convert: it stays bundled.
 */
export const LOCAL_EXTERNALS = Object.keys(packageJson.dependencies).filter((name) => !name.startsWith('@middy/'));

/** What each kind of stage decides itself; what follows from it is added in stageSettings. */
type KindSettings = Omit<StageSettings, 'replayTimeout'>;

function localSettings(inputs: StageInputs, saga: SagaDeclaration): KindSettings {
  const { env } = inputs;
  const readEnv = (name: string, fallback: string) => env[name]?.trim() || fallback;
  if (Object.keys(inputs.params).length > 0) {
    throw new StageSettingsError(
      `Stage "local" reads the shell's environment (README, "Environment"); --param is for deployed stages (got ${Object.keys(inputs.params).join(', ')}).`,
    );
  }
  return {
    kind: 'local',
    deployed: false,
    api: 'httpApi',
    batchInitRoutes: true,
    architecture: 'arm64',
    environment: {
      REDIS_URL: readEnv('REDIS_URL', localRedisUrl()),
      STOCK_REDIS_URL: readEnv('STOCK_REDIS_URL', ''),
      PAYMENT_REDIS_URL: readEnv('PAYMENT_REDIS_URL', ''),
      ORDER_REDIS_URL: readEnv('ORDER_REDIS_URL', ''),
      IDS_REDIS_URL: readEnv('IDS_REDIS_URL', ''),
      SQS_ENDPOINT: readEnv('SQS_ENDPOINT', ''),
      SAGA_RETENTION_SECONDS: readEnv('SAGA_RETENTION_SECONDS', '3600'),
      CHECKOUT_DEADLINE_MS: readEnv('CHECKOUT_DEADLINE_MS', String(saga.deadlineMs)),
      MESSAGE_GRACE_MS: readEnv('MESSAGE_GRACE_MS', '60000'),
      REPLAY_STALE_MS: readEnv('REPLAY_STALE_MS', '15000'),
      CHECKOUT_WAIT_MS: readEnv('CHECKOUT_WAIT_MS', String(DEFAULT_CHECKOUT_WAIT_MS)),
      // The queues' own (below): a failed record's retry backoff never waits longer.
      QUEUE_VISIBILITY_TIMEOUT: readEnv('QUEUE_VISIBILITY_TIMEOUT', String(saga.queues.visibilityTimeoutSeconds)),
      REDIS_DURABILITY: readEnv('REDIS_DURABILITY', LOCAL_DURABILITY),
      // Powertools (lib/lambda/observability.ts): log lines from INFO up; no EMF blobs, which nothing
      // reads locally and which cost ~50 µs an invocation (scripts/bench-observability.ts).
      POWERTOOLS_LOG_LEVEL: readEnv('POWERTOOLS_LOG_LEVEL', 'INFO'),
      POWERTOOLS_METRICS_DISABLED: readEnv('POWERTOOLS_METRICS_DISABLED', 'true'),
      // Fault injection for the chaos runs only (lib/lambda/faults.ts).
      SAGASHOP_CRASH_AT: readEnv('SAGASHOP_CRASH_AT', ''),
      SAGASHOP_CRASH_PROBABILITY: readEnv('SAGASHOP_CRASH_PROBABILITY', '1'),
      ...queueUrlEnvironment(saga),
    },
    replayRate: readEnv('REPLAY_RATE', '5 minutes'),
    visibilityTimeout: Number(readEnv('QUEUE_VISIBILITY_TIMEOUT', String(saga.queues.visibilityTimeoutSeconds))),
    logRetentionInDays: 1,
    vpc: null,
    iamStatements: [],
    concurrency: null,
    retainDeadLetterQueues: false,
    resources: {},
    alarms: {},
    esbuild: { define: {}, skipRebuild: false, minifySyntax: false, exclude: LOCAL_EXTERNALS },
    warnings: [],
  };
}

function localstackSettings(inputs: StageInputs, saga: SagaDeclaration): KindSettings {
  const params = readParams(inputs.stage, LOCALSTACK_PARAMS, inputs.params);
  const hostArchitecture = inputs.hostArch === 'arm64' ? 'arm64' : 'x86_64';
  return {
    kind: 'localstack',
    deployed: true,
    api: 'rest',
    batchInitRoutes: params.batchInitRoutes === 'true',
    architecture: (params.architecture ?? hostArchitecture) as StageSettings['architecture'],
    // No SQS endpoint here: the SDK sends to the host of the queue URL, which LocalStack resolves
    // for its Lambda containers, and it sets AWS_ENDPOINT_URL in them.
    environment: {
      REDIS_URL: params.redisUrl,
      REDIS_DURABILITY: params.storeDurability,
      ...deployedTimings(saga),
      ...queueUrlEnvironment(saga),
    },
    replayRate: '5 minutes',
    visibilityTimeout: saga.queues.visibilityTimeoutSeconds,
    logRetentionInDays: 1,
    vpc: null,
    iamStatements: [],
    concurrency: null,
    retainDeadLetterQueues: false,
    resources: {},
    alarms: {},
    esbuild: DEPLOYED_BUILD,
    warnings: durabilityWarnings(params.storeDurability),
  };
}

function awsSettings(inputs: StageInputs, saga: SagaDeclaration): KindSettings {
  const params = readParams(inputs.stage, AWS_PARAMS, inputs.params);
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
  const authParameter = params.redisAuthParameter === 'none' ? undefined : params.redisAuthParameter;
  const serviceUrls = Object.fromEntries(
    ['stock', 'payment', 'order', 'ids'].flatMap((service) => {
      const url = params[`${service}RedisUrl`];
      return url ? [[`${service.toUpperCase()}_REDIS_URL`, url]] : [];
    }),
  );
  const template: AwsTemplateInput = {
    authParameter,
    kmsKeyArn: params.redisAuthKmsKeyArn,
    vpcId: params.vpcId!,
    subnetIds: list(params.subnetIds),
    endpointSubnetIds: list(params.endpointSubnetIds),
    securityGroupIds: list(params.securityGroupIds),
    createVpcEndpoints: params.createVpcEndpoints === 'true',
    rateLimit: Number(params.apiRateLimit),
    burstLimit: Number(params.apiBurstLimit),
  };
  const parts = awsTemplateParts(template);
  return {
    kind: 'aws',
    deployed: true,
    api: 'httpApi',
    batchInitRoutes: params.batchInitRoutes === 'true',
    architecture: params.architecture as StageSettings['architecture'],
    environment: {
      REDIS_URL: params.redisUrl,
      ...serviceUrls,
      // Only the parameter's name: the function reads the token at run time (lib/clients/redis-auth.ts).
      ...(authParameter ? { REDIS_AUTH_PARAMETER: authParameter } : {}),
      REDIS_DURABILITY: params.storeDurability,
      ...deployedTimings(saga),
      ...queueUrlEnvironment(saga),
    },
    replayRate: params.replayRate!,
    visibilityTimeout: saga.queues.visibilityTimeoutSeconds,
    logRetentionInDays: Number(params.logRetentionDays),
    vpc: parts.vpc,
    iamStatements: parts.iamStatements,
    concurrency: concurrencyBounds(saga, params),
    retainDeadLetterQueues: params.retainDeadLetterQueues === 'true',
    resources: parts.resources,
    alarms: {
      Resources: alarmResources({
        alarmEmail: params.alarmEmail,
        saga,
        oldestMessageAlarmSeconds: DEFAULT_CHECKOUT_WAIT_MS / 1000,
      }),
    },
    esbuild: DEPLOYED_BUILD,
    warnings: durabilityWarnings(params.storeDurability),
  };
}

export function stageKind(stage: string): StageKind {
  if (stage === 'local') return 'local';
  return stage === 'localstack' ? 'localstack' : 'aws';
}

const SECONDS_PER: Record<string, number> = { minute: 60, hour: 3_600, day: 86_400 };

/** The seconds of a schedule's period, "5 minutes" → 300, as far as one Lambda invocation may run (900 s). */
export function replayTimeoutSeconds(rate: string): number {
  const [count, unit] = rate.split(' ');
  return Math.min(900, Number(count) * SECONDS_PER[unit.replace(/s$/, '')]);
}

export function stageSettings(inputs: StageInputs): StageSettings {
  const kind = stageKind(inputs.stage);
  const saga = inputs.saga ?? SAGA;
  const settings =
    kind === 'local' ? localSettings(inputs, saga) : kind === 'localstack' ? localstackSettings(inputs, saga) : awsSettings(inputs, saga);
  return { ...settings, replayTimeout: replayTimeoutSeconds(settings.replayRate) };
}
