import { PROD_PARAMS, functionsOf, ofType, packageStage, paramArgs, roleStatements, runServerless, type Packaged } from './support/package';

// Every non-local stage is explicit: packaging stops at once, saying what to pass, when a required
// parameter is missing or wrong; the optional ones change what they say and nothing else.

describe('packaging a production stage', () => {
  // One run with every kind of problem: each CLI start costs seconds of the machine.
  it('fails fast, naming each missing or wrong parameter and the command that works, never echoing a token', async () => {
    const params = {
      redisUrl: 'rediss://:very-secret-token@master.cache.example.com:6379',
      subnetIds: 'my-subnet',
      logRetentionDays: '10',
      replayRate: 'often',
      storeDurability: 'always',
      redisURL: 'x',
    };
    const run = await runServerless(['package', '--stage', 'prod', ...paramArgs(params)], { REDIS_URL: 'redis://127.0.0.1:6390' }, 60_000);
    expect(run.code).not.toBe(0);
    expect(run.ms).toBeLessThan(20_000);
    for (const name of ['redisAuthParameter', 'vpcId', 'securityGroupIds']) expect(run.output).toContain(`${name} is missing`);
    expect(run.output).toContain('redisUrl must not carry the AUTH token');
    expect(run.output).toContain('(got rediss://***@master.cache.example.com:6379)');
    expect(run.output).not.toContain('very-secret-token');
    expect(run.output).toContain('subnetIds must be a comma-separated list of subnet-... ids');
    expect(run.output).toContain('logRetentionDays must be one of 1, 3, 5');
    expect(run.output).toContain('replayRate must look like "5 minutes"');
    expect(run.output).toContain(
      'storeDurability must be one of fsync, replicas:N (or replicas:N:timeoutMs), memorydb, none (got "always")',
    );
    expect(run.output).toContain('unknown parameter "redisURL"');
    expect(run.output).toContain('serverless deploy --stage prod');
    expect(run.output).toContain('--param="redisAuthParameter=/sagashop/prod/redis-auth"');
    expect(run.output).not.toContain('Service packaged');
  });
});

describe('a production stage with every optional parameter set', () => {
  let variant: Packaged;
  const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-aaaa-bbbb-cccc-0123456789ab';
  beforeAll(async () => {
    variant = await packageStage('staging', {
      ...PROD_PARAMS,
      redisAuthParameter: 'sagashop-staging-redis-auth',
      redisAuthKmsKeyArn: KMS_KEY,
      orderRedisUrl: 'rediss-cluster://orders.cache.example.com:6379',
      createVpcEndpoints: 'false',
      architecture: 'x86_64',
      logRetentionDays: '90',
      apiRateLimit: '50',
      apiBurstLimit: '60',
      batchInitRoutes: 'true',
      replayRate: '1 minute',
      storeDurability: 'memorydb',
    });
  }, 180_000);
  afterAll(() => variant?.remove());

  it('serves batch_init, each route throttled to one call a second', () => {
    const routes = ofType(variant, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey);
    const batch = routes.filter((route) => route.includes('/batch_init/'));
    expect(batch).toHaveLength(3);
    // Their functions, deployed only with their routes (first-deploy.test.ts: not by default).
    const names = functionsOf(variant, 'staging').map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(['batchInitItems', 'batchInitUsers', 'batchInitOrders']));
    const stage = variant.template.Resources.HttpApiStage.Properties;
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 60 });
    expect(Object.keys(stage.RouteSettings).sort()).toEqual(batch.sort());
    for (const settings of Object.values(stage.RouteSettings))
      expect(settings).toEqual({ ThrottlingRateLimit: 1, ThrottlingBurstLimit: 1 });
  });

  it('lets the roles decrypt with the customer key through SSM only, and read only the named parameter', () => {
    for (const [name, fn] of functionsOf(variant, 'staging')) {
      const other = roleStatements(variant, fn).filter(
        (statement: any) => ![statement.Action].flat().every((action: string) => /^(sqs|logs|ec2):/.test(action)),
      );
      expect({ name, other }).toEqual({
        name,
        other: [
          {
            Effect: 'Allow',
            Action: ['ssm:GetParameter'],
            Resource: {
              'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/sagashop-staging-redis-auth',
            },
          },
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt'],
            Resource: KMS_KEY,
            Condition: {
              StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } },
            },
          },
        ],
      });
    }
  });

  it('hands every function the store durability it was given', () => {
    for (const [, fn] of functionsOf(variant, 'staging')) expect(fn.Properties.Environment.Variables.REDIS_DURABILITY).toBe('memorydb');
  });

  it('uses the given security groups alone when the VPC brings its own endpoints', () => {
    expect(ofType(variant, 'AWS::EC2::VPCEndpoint')).toEqual([]);
    expect(ofType(variant, 'AWS::EC2::SecurityGroup')).toEqual([]);
    for (const [, fn] of functionsOf(variant, 'staging')) {
      expect(fn.Properties.VpcConfig).toEqual({
        SecurityGroupIds: ['sg-0c3'],
        SubnetIds: ['subnet-0a1', 'subnet-0b2'],
      });
      expect(fn.Properties.Architectures).toEqual(['x86_64']);
      expect(fn.Properties.Environment.Variables.ORDER_REDIS_URL).toBe('rediss-cluster://orders.cache.example.com:6379');
      expect(fn.Properties.Environment.Variables.STOCK_REDIS_URL).toBeUndefined();
    }
    for (const [, group] of ofType(variant, 'AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(90);
    expect(ofType(variant, 'AWS::Events::Rule')[0][1].Properties.ScheduleExpression).toBe('rate(1 minute)');
  });
});
