import { NETWORK_INTERFACE_RIGHTS } from '../../deploy/aws-template';
import { LOCAL_EXTERNALS, replayTimeoutSeconds, stageSettings, type StageInputs } from '../../deploy/stage-settings';
import { DEPLOYED_BUILD_DEFINE, readConfig } from '../../lib/clients/config';
import { PROD_PARAMS } from './support/package';

// The stage rules themselves, without the Framework: what packaging would take from where.
const inputs = (stage: string, params: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): StageInputs => ({
  stage,
  region: 'eu-west-1',
  params,
  env,
  hostArch: 'x64',
});

describe('stage settings', () => {
  it('local: the shell decides, fault injection stays in, nothing is deployed', () => {
    const local = stageSettings(
      inputs(
        'local',
        {},
        {
          REDIS_URL: 'redis://h:1',
          SQS_ENDPOINT: 'http://q',
          REPLAY_RATE: '1 minute',
          QUEUE_VISIBILITY_TIMEOUT: '2',
          SAGASHOP_CRASH_AT: 'mid-replay',
        },
      ),
    );
    expect(local).toMatchObject({
      kind: 'local',
      deployed: false,
      api: 'httpApi',
      replayRate: '1 minute',
      visibilityTimeout: 2,
      vpc: null,
      iamStatements: [],
    });
    expect(local.environment).toMatchObject({
      REDIS_URL: 'redis://h:1',
      SQS_ENDPOINT: 'http://q',
      SAGASHOP_CRASH_AT: 'mid-replay',
    });
    expect(local.esbuild).toEqual({
      define: {},
      skipRebuild: false,
      minifySyntax: false,
      exclude: LOCAL_EXTERNALS,
    });
    expect(stageSettings(inputs('local')).environment.REDIS_URL).toBe('redis://127.0.0.1:6390');
  });

  it("the replay's timeout is its schedule's period, at most Lambda's 900 s", () => {
    expect(['1 minute', '5 minutes', '2 hours', '1 day'].map(replayTimeoutSeconds)).toEqual([60, 300, 900, 900]);
    expect(stageSettings(inputs('local', {}, { REPLAY_RATE: '1 minute' })).replayTimeout).toBe(60);
  });

  it('store durability: fsync locally unless the shell says otherwise, replicas:1 on AWS, checked, and none said loudly', () => {
    expect(stageSettings(inputs('local')).environment.REDIS_DURABILITY).toBe('fsync');
    expect(stageSettings(inputs('local', {}, { REDIS_DURABILITY: 'none' })).environment.REDIS_DURABILITY).toBe('none');
    expect(stageSettings(inputs('localstack')).environment.REDIS_DURABILITY).toBe('fsync');
    const aws = (storeDurability?: string) =>
      stageSettings(inputs('prod', { ...PROD_PARAMS, ...(storeDurability ? { storeDurability } : {}) }));
    expect(aws().environment.REDIS_DURABILITY).toBe('replicas:1');
    expect(aws().warnings).toEqual([]);
    expect(aws('replicas:2:500').environment.REDIS_DURABILITY).toBe('replicas:2:500');
    expect(() => aws('replicas:0')).toThrow(
      'storeDurability must be one of fsync, replicas:N (or replicas:N:timeoutMs), memorydb, none (got "replicas:0")',
    );
    expect(aws('none').warnings).toEqual([expect.stringMatching(/^WARNING: storeDurability=none: .*failover may lose writes/)]);
    for (const stage of ['local', 'localstack', 'prod']) {
      const environment = stageSettings(inputs(stage, stage === 'prod' ? PROD_PARAMS : {})).environment;
      expect(readConfig({ ...environment, REDIS_URL: 'redis://h:1' }).durability).toBeDefined();
    }
  });

  it('local: --param is refused, the shell is where its settings come from', () => {
    expect(() => stageSettings(inputs('local', { redisUrl: 'redis://x:1' }))).toThrow(`Stage "local" reads the shell's environment`);
  });

  it("localstack: a REST API, the host's architecture, the compose Redis, nothing from the shell", () => {
    const shell = { REDIS_URL: 'redis://h:1', SQS_ENDPOINT: 'http://q', REPLAY_RATE: '1 minute' };
    const localstack = stageSettings(inputs('localstack', {}, shell));
    expect(localstack).toMatchObject({
      kind: 'localstack',
      deployed: true,
      api: 'rest',
      architecture: 'x86_64',
      batchInitRoutes: true,
      replayRate: '5 minutes',
      visibilityTimeout: 60,
    });
    expect(localstack.environment.REDIS_URL).toBe('redis://redis:6379');
    expect(localstack.environment).not.toHaveProperty('SQS_ENDPOINT');
    expect(localstack.esbuild.define).toEqual(DEPLOYED_BUILD_DEFINE);
    expect(stageSettings({ ...inputs('localstack'), hostArch: 'arm64' }).architecture).toBe('arm64');
    expect(stageSettings(inputs('localstack', { architecture: 'x86_64' })).architecture).toBe('x86_64');
  });

  it('AWS: a Redis without AUTH is said explicitly, and then nothing reads SSM', () => {
    const aws = stageSettings(inputs('prod', { ...PROD_PARAMS, redisAuthParameter: 'none' }));
    // Only what the VPC needs: the network-interface rights.
    expect(aws.iamStatements).toEqual([NETWORK_INTERFACE_RIGHTS]);
    expect(aws.environment).not.toHaveProperty('REDIS_AUTH_PARAMETER');
    expect(Object.keys(aws.resources.Resources ?? {}).sort()).toEqual([
      'FunctionSecurityGroup',
      'SqsVpcEndpoint',
      'VpcEndpointSecurityGroup',
    ]);
  });

  it("every stage hands the functions the checkout's wait for its verdict, the configuration's default unless the shell says otherwise locally", () => {
    const waitOf = (environment: Record<string, unknown>) => readConfig({ ...environment, REDIS_URL: 'redis://h:1' }).checkoutWaitMs;
    expect(stageSettings(inputs('local', {}, { CHECKOUT_WAIT_MS: '5000' })).environment.CHECKOUT_WAIT_MS).toBe('5000');
    for (const settings of [
      stageSettings(inputs('local')),
      stageSettings(inputs('localstack')),
      stageSettings(inputs('prod', PROD_PARAMS)),
    ]) {
      expect(settings.environment).toHaveProperty('CHECKOUT_WAIT_MS');
      expect(waitOf(settings.environment)).toBe(readConfig({ REDIS_URL: 'redis://h:1' }).checkoutWaitMs);
    }
  });

  it('AWS: the shell changes nothing', () => {
    const shell = {
      REDIS_URL: 'redis://h:1',
      SQS_ENDPOINT: 'http://q',
      REPLAY_RATE: '1 minute',
      QUEUE_VISIBILITY_TIMEOUT: '2',
      SAGASHOP_CRASH_AT: 'mid-replay',
    };
    expect(stageSettings(inputs('prod', PROD_PARAMS, shell))).toEqual(stageSettings(inputs('prod', PROD_PARAMS)));
  });

  it('AWS: a hierarchical and a flat parameter name give the same ARN shape', () => {
    const arn = (name: string) =>
      (stageSettings(inputs('prod', { ...PROD_PARAMS, redisAuthParameter: name })).iamStatements[0] as any).Resource['Fn::Sub'];
    expect(arn('/a/b')).toMatch(/:parameter\/a\/b$/);
    expect(arn('flat')).toMatch(/:parameter\/flat$/);
  });
});
