import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { SAGA, stepNamesOf } from '../../lib/saga/definition';
import { freePort } from '../../scripts/stack/free-port';
import {
  CONTRACT_ROUTES,
  LOCAL_SHELL,
  ROOT,
  SAGA_QUEUES,
  functionsOf,
  logicalIdOf,
  ofType,
  runServerless,
  sharedPackage,
  type Packaged,
} from './support/package';

// The LocalStack stage, as far as it can be proven without Docker: its package (which used to
// hang), its template (REST routes, x86_64 here, queues, mappings, schedule), the commands that
// need LocalStack failing fast when it is not there, and the compose health check reading
// `completed`. The deploy itself and the functions running in LocalStack are not verified here.
let localstack: Packaged;

beforeAll(async () => {
  localstack = await sharedPackage('localstack', {}, LOCAL_SHELL);
}, 180_000);
afterAll(() => localstack?.remove());

/** "METHOD /full/path" of every REST API method, from the chain of resources it hangs on. */
function restRoutes(packaged: Packaged): string[] {
  const resources = packaged.template.Resources;
  const pathOf = (id: string | undefined): string => {
    const resource = id === undefined ? undefined : resources[id];
    if (resource?.Type !== 'AWS::ApiGateway::Resource') return ''; // the API's root
    return `${pathOf(logicalIdOf(resource.Properties.ParentId))}/${resource.Properties.PathPart}`;
  };
  return ofType(packaged, 'AWS::ApiGateway::Method')
    .filter(([, method]) => method.Properties.HttpMethod !== 'OPTIONS')
    .map(([, method]) => `${method.Properties.HttpMethod} ${pathOf(logicalIdOf(method.Properties.ResourceId))}`);
}

describe('serverless package --stage localstack', () => {
  it('ends by itself, with no LocalStack running', () => {
    expect(localstack.output).toContain('Service packaged');
    expect(localstack.ms).toBeLessThan(60_000);
  });

  it('has a REST API route for every path of the contract, batch_init included, and no HTTP API', () => {
    expect(restRoutes(localstack).sort()).toEqual([...CONTRACT_ROUTES].sort());
    expect(ofType(localstack, 'AWS::ApiGatewayV2::Api')).toEqual([]);
    for (const [, method] of ofType(localstack, 'AWS::ApiGateway::Method')) expect(method.Properties.Integration.Type).toBe('AWS_PROXY');
  });

  it("runs the functions on this machine's architecture and a runtime LocalStack 4.3 has", () => {
    const expected = process.arch === 'arm64' ? 'arm64' : 'x86_64';
    for (const [name, fn] of functionsOf(localstack, 'localstack')) {
      expect({ name, arch: fn.Properties.Architectures, runtime: fn.Properties.Runtime }).toEqual({
        name,
        arch: [expected],
        runtime: 'nodejs22.x',
      });
    }
  });

  it('has the saga queues with their DLQs, the mappings and the schedule', () => {
    const queues = ofType(localstack, 'AWS::SQS::Queue')
      .map(([, queue]) => queue.Properties.QueueName)
      .sort();
    expect(queues).toEqual(
      stepNamesOf(SAGA)
        .flatMap((step) => [`sagashop-localstack-${step}`, `sagashop-localstack-${step}-dlq`])
        .sort(),
    );
    const mappings = ofType(localstack, 'AWS::Lambda::EventSourceMapping').map(([, mapping]) => mapping.Properties);
    expect(mappings.map((mapping) => logicalIdOf(mapping.EventSourceArn)).sort()).toEqual([...SAGA_QUEUES].sort());
    for (const mapping of mappings) expect(mapping).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    const rules = ofType(localstack, 'AWS::Events::Rule').map(([, rule]) => rule.Properties.ScheduleExpression);
    expect(rules).toEqual(['rate(5 minutes)']);
  });

  it("points the functions at the compose network's Redis and takes nothing from the shell", () => {
    for (const [name, fn] of functionsOf(localstack, 'localstack')) {
      const variables = fn.Properties.Environment.Variables;
      expect({ name, redis: variables.REDIS_URL }).toEqual({ name, redis: 'redis://redis:6379' });
      expect(Object.keys(variables)).not.toEqual(expect.arrayContaining(['SQS_ENDPOINT']));
    }
    expect(JSON.stringify(localstack.template)).not.toMatch(
      /localhost|127\.0\.0\.1|shell-secret|SAGASHOP_CRASH|REDIS_AUTH_PARAMETER|VpcConfig/,
    );
  });
});

describe('commands that need LocalStack', () => {
  let fake: Server | undefined;
  afterEach(() => fake?.close());

  it.each([['deploy'], ['info']])('%s fails at once with what to do when LocalStack is not up', async (command) => {
    // A port nothing listens on: as good as a LocalStack that is not running.
    const port = await freePort();
    const run = await runServerless([command, '--stage', 'localstack'], { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }, 60_000);
    expect(run.code).not.toBe(0);
    expect(run.ms).toBeLessThan(20_000);
    expect(run.output).toContain(`LocalStack is not reachable at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(run.output).toContain('npm run localstack:up');
  });

  it('deploy waits for nothing when LocalStack answers but its init hooks have not completed', async () => {
    fake = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ completed: false, scripts: [] }));
    });
    await new Promise<void>((resolve) => fake!.listen(0, '127.0.0.1', resolve));
    const { port } = fake.address() as AddressInfo;
    const run = await runServerless(['deploy', '--stage', 'localstack'], { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }, 60_000);
    expect(run.code).not.toBe(0);
    expect(run.ms).toBeLessThan(20_000);
    expect(run.output).toContain('has not finished starting');
    expect(run.output).toContain('"completed":false');
  });
});

describe('the compose file', () => {
  const compose = parse(readFileSync(join(ROOT, 'localstack/docker-compose.yml'), 'utf8'));

  // The health check's own command, run here against a stand-in for LocalStack's endpoint.
  it.each([
    ['fails', false],
    ['passes', true],
  ])('health check %s while completed is %s', async (_, completed) => {
    const server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          completed,
          scripts: [{ stage: 'READY', state: completed ? 'SUCCESSFUL' : 'RUNNING' }],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const [kind, command] = compose.services.localstack.healthcheck.test;
      expect(kind).toBe('CMD-SHELL');
      const local = command.replace('http://localhost:4566', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const result = await promisify(execFile)('sh', ['-c', local]).then(
        () => 0,
        (error) => error.code,
      );
      expect(result === 0).toBe(completed);
    } finally {
      server.close();
    }
  });

  it('runs Lambda containers on the network where Redis answers as redis:6379', () => {
    const network = compose.services.localstack.environment.LAMBDA_DOCKER_NETWORK;
    expect(compose.networks.sagashop.name).toBe(network);
    expect(compose.services.redis.networks).toContain('sagashop');
  });
});
