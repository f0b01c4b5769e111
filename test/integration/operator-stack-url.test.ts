// The stage's API URL for `--stage` (scripts/operator/remote.ts), from CloudFormation's DescribeStacks,
// against a stand-in that answers as CloudFormation's query API does. (The options: test/unit/
// operator-remote.test.ts; signed requests reaching the packaged function behind an IAM-authorizing
// stand-in: test/deploy/operator.test.ts.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stackApiUrl } from '../../scripts/operator/remote';

const KEY = { accessKeyId: 'AKIDREMOTETEST', secretAccessKey: 'remote-test-secret' };

describe("a stage's API URL from its stack", () => {
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
    expect((await stackApiUrl('sagashop-prod', 'eu-west-1', KEY, endpoint)).href).toBe(
      'https://abc123.execute-api.eu-west-1.amazonaws.com/',
    );
    expect(new URLSearchParams(seen.at(-1)!.body).get('StackName')).toBe('sagashop-prod');
    expect(new URLSearchParams(seen.at(-1)!.body).get('Action')).toBe('DescribeStacks');
    expect(seen.at(-1)!.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDREMOTETEST\/\d{8}\/eu-west-1\/cloudformation\/aws4_request, /,
    );
  });

  it('says so when the stack is missing or is not a sagashop stage', async () => {
    answer = {
      status: 400,
      xml: '<ErrorResponse><Error><Message>Stack with id sagashop-nope does not exist</Message></Error></ErrorResponse>',
    };
    await expect(stackApiUrl('sagashop-nope', 'us-east-1', KEY, endpoint)).rejects.toThrow('Stack with id sagashop-nope does not exist');
    answer = { status: 200, xml: '<DescribeStacksResponse><Outputs></Outputs></DescribeStacksResponse>' };
    await expect(stackApiUrl('sagashop-other', 'us-east-1', KEY, endpoint)).rejects.toThrow('has no HttpApiUrl output');
  });
});
