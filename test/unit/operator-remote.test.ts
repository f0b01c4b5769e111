// Where `--stage` / `--api` send the operator's commands (scripts/operator/remote.ts): the options,
// and the stage's API URL from CloudFormation's DescribeStacks, against a stand-in that answers as
// CloudFormation's query API does. (Signed requests reaching the packaged function behind an
// IAM-authorizing stand-in: test/deploy/operator.test.ts.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteUsageError, positionals, remoteTarget, stackApiUrl } from '../../scripts/operator/remote';

const KEY = { accessKeyId: 'AKIDREMOTETEST', secretAccessKey: 'remote-test-secret' };

describe('the remote options', () => {
  it('act locally without --stage or --api, or with --stage local', async () => {
    expect(await remoteTarget([])).toBeUndefined();
    expect(await remoteTarget(['abc'])).toBeUndefined();
    expect(await remoteTarget(['--stage', 'local'])).toBeUndefined();
  });

  it('take the region from an execute-api URL, else --region, else the environment', async () => {
    expect(await remoteTarget(['--api', 'https://abc123.execute-api.eu-west-1.amazonaws.com'], {})).toEqual({
      api: new URL('https://abc123.execute-api.eu-west-1.amazonaws.com'),
      region: 'eu-west-1',
    });
    expect((await remoteTarget(['--api=https://ops.example.com', '--region', 'ap-south-1'], {}))!.region).toBe('ap-south-1');
    expect((await remoteTarget(['--api', 'https://ops.example.com'], { AWS_REGION: 'ca-central-1' }))!.region).toBe('ca-central-1');
  });

  it('refuse what they cannot use, saying why', async () => {
    await expect(remoteTarget(['--api', 'nope'])).rejects.toThrow(RemoteUsageError);
    await expect(remoteTarget(['--api'])).rejects.toThrow('--api needs a value');
    await expect(remoteTarget(['--stage', 'prod', '--api', 'https://x.example.com'])).rejects.toThrow('not both');
  });

  it('leave the command its own arguments', () => {
    expect(positionals(['--stage', 'prod', 'order-1', '--region=eu-west-1'], ['stage', 'api', 'region'])).toEqual(['order-1']);
  });
});

describe('a stage\'s API URL from its stack', () => {
  let server: Server;
  let endpoint: string;
  const seen: { body: string; authorization: string }[] = [];
  let answer: { status: number; xml: string };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        seen.push({ body, authorization: String(request.headers.authorization) });
        response.writeHead(answer.status, { 'content-type': 'text/xml' });
        response.end(answer.xml);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is the HttpApiUrl output, asked for with a request signed for CloudFormation in the region', async () => {
    answer = {
      status: 200,
      xml: `<DescribeStacksResponse><DescribeStacksResult><Stacks><member><Outputs>
        <member><OutputKey>ServiceEndpoint</OutputKey><OutputValue>https://wrong.example.com</OutputValue></member>
        <member><OutputKey>HttpApiUrl</OutputKey><OutputValue>https://abc123.execute-api.eu-west-1.amazonaws.com</OutputValue></member>
      </Outputs></member></Stacks></DescribeStacksResult></DescribeStacksResponse>`,
    };
    expect((await stackApiUrl('sagashop-prod', 'eu-west-1', KEY, endpoint)).href).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/');
    expect(new URLSearchParams(seen.at(-1)!.body).get('StackName')).toBe('sagashop-prod');
    expect(new URLSearchParams(seen.at(-1)!.body).get('Action')).toBe('DescribeStacks');
    expect(seen.at(-1)!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDREMOTETEST\/\d{8}\/eu-west-1\/cloudformation\/aws4_request, /);
  });

  it('says so when the stack is missing or is not a sagashop stage', async () => {
    answer = { status: 400, xml: '<ErrorResponse><Error><Message>Stack with id sagashop-nope does not exist</Message></Error></ErrorResponse>' };
    await expect(stackApiUrl('sagashop-nope', 'us-east-1', KEY, endpoint)).rejects.toThrow('Stack with id sagashop-nope does not exist');
    answer = { status: 200, xml: '<DescribeStacksResponse><Outputs></Outputs></DescribeStacksResponse>' };
    await expect(stackApiUrl('sagashop-other', 'us-east-1', KEY, endpoint)).rejects.toThrow('has no HttpApiUrl output');
  });
});
