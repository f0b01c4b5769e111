import { NETWORK_INTERFACE_RIGHTS } from '../../deploy/aws-template';
import { LOCAL_EXTERNALS, stageSettings, type StageInputs } from '../../deploy/stage-settings';
import { DEPLOYED_BUILD_DEFINE, readConfig } from '../../lib/config';
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
    const local = stageSettings(inputs('local', {}, { REDIS_URL: 'redis://h:1', SQS_ENDPOINT: 'http://q', REPLAY_RATE: '1 minute', QUEUE_VISIBILITY_TIMEOUT: '2', SAGASHOP_CRASH_AT: 'mid-replay' }));
    expect(local).toMatchObject({ kind: 'local', deployed: false, api: 'httpApi', replayRate: '1 minute', visibilityTimeout: 2, vpc: null, iamStatements: [] });
    expect(local.environment).toMatchObject({ REDIS_URL: 'redis://h:1', SQS_ENDPOINT: 'http://q', SAGASHOP_CRASH_AT: 'mid-replay' });
    expect(local.esbuild).toEqual({ define: {}, skipRebuild: false, minifySyntax: false, exclude: LOCAL_EXTERNALS });
    expect(stageSettings(inputs('local')).environment.REDIS_URL).toBe('redis://127.0.0.1:6390');
  });

  it('local: --param is refused, the shell is where its settings come from', () => {
    expect(() => stageSettings(inputs('local', { redisUrl: 'redis://x:1' }))).toThrow(`Stage "local" reads the shell's environment`);
  });

  it('localstack: a REST API, the host\'s architecture, the compose Redis, nothing from the shell', () => {
    const shell = { REDIS_URL: 'redis://h:1', SQS_ENDPOINT: 'http://q', REPLAY_RATE: '1 minute' };
    const localstack = stageSettings(inputs('localstack', {}, shell));
    expect(localstack).toMatchObject({ kind: 'localstack', deployed: true, api: 'rest', architecture: 'x86_64', batchInitRoutes: true, replayRate: '5 minutes', visibilityTimeout: 60 });
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
    expect(Object.keys(aws.resources.Resources ?? {}).sort()).toEqual(['FunctionSecurityGroup', 'SqsVpcEndpoint', 'VpcEndpointSecurityGroup']);
  });

  it('every stage hands the functions the checkout\'s wait for its verdict, the configuration\'s default unless the shell says otherwise locally', () => {
    const waitOf = (environment: Record<string, unknown>) => readConfig({ ...environment, REDIS_URL: 'redis://h:1' } as NodeJS.ProcessEnv).checkoutWaitMs;
    expect(stageSettings(inputs('local', {}, { CHECKOUT_WAIT_MS: '5000' })).environment.CHECKOUT_WAIT_MS).toBe('5000');
    for (const settings of [stageSettings(inputs('local')), stageSettings(inputs('localstack')), stageSettings(inputs('prod', PROD_PARAMS))]) {
      expect(settings.environment).toHaveProperty('CHECKOUT_WAIT_MS');
      expect(waitOf(settings.environment)).toBe(readConfig({ REDIS_URL: 'redis://h:1' }).checkoutWaitMs);
    }
  });

  it('AWS: the shell changes nothing', () => {
    const shell = { REDIS_URL: 'redis://h:1', SQS_ENDPOINT: 'http://q', REPLAY_RATE: '1 minute', QUEUE_VISIBILITY_TIMEOUT: '2', SAGASHOP_CRASH_AT: 'mid-replay' };
    expect(stageSettings(inputs('prod', PROD_PARAMS, shell))).toEqual(stageSettings(inputs('prod', PROD_PARAMS)));
  });

  it('AWS: a hierarchical and a flat parameter name give the same ARN shape', () => {
    const arn = (name: string) => (stageSettings(inputs('prod', { ...PROD_PARAMS, redisAuthParameter: name })).iamStatements[0] as any).Resource['Fn::Sub'];
    expect(arn('/a/b')).toMatch(/:parameter\/a\/b$/);
    expect(arn('flat')).toMatch(/:parameter\/flat$/);
  });
});
