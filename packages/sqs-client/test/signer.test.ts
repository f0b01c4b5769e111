import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { SourceData } from '@smithy/types';
import { amzDate, resolveCredentials, SigV4Signer, type Credentials } from '../src';

const toBytes = (data: SourceData) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

// The reference: the AWS SDK's own signer (@smithy/signature-v4), with node's SHA-256 as its hash.
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {}
}

async function referenceAuthorization(
  request: { host: string; target: string; body: string; date: Date; region: string },
  credentials: Credentials,
) {
  const signer = new SignatureV4({
    service: 'sqs',
    region: request.region,
    credentials,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: request.host.split(':')[0],
      path: '/',
      query: {},
      headers: {
        host: request.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': request.target,
      },
      body: request.body,
    },
    { signingDate: request.date },
  );
  return signed.headers;
}

const SEED = 20261207;
const token = fc.stringMatching(/^[A-Za-z0-9+/=]{16,300}$/);
const credentialsArb = fc.record(
  {
    accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,24}$/),
    secretAccessKey: fc.stringMatching(/^[A-Za-z0-9+/]{20,40}$/),
    sessionToken: token,
  },
  { requiredKeys: ['accessKeyId', 'secretAccessKey'] },
);
const requestArb = fc.record({
  host: fc.constantFrom('sqs.us-east-1.amazonaws.com', 'sqs.eu-west-1.amazonaws.com', '127.0.0.1:9324', 'localhost:4566'),
  target: fc
    .constantFrom('SendMessageBatch', 'ReceiveMessage', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch')
    .map((action) => `AmazonSQS.${action}`),
  body: fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc.json().map((json) => JSON.stringify({ QueueUrl: 'http://q', Entries: [{ Id: '0', MessageBody: json }] })),
  ),
  date: fc.date({
    min: new Date('2000-01-01T00:00:00Z'),
    max: new Date('2099-12-31T23:59:59Z'),
    noInvalidDate: true,
  }),
  region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2', 'eu-central-2'),
});

describe('SigV4 signing', () => {
  it('gives the same headers as the AWS SDK signer, for any body, action, date, region and credentials (with or without session token)', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, credentialsArb, async (request, credentials) => {
        const ours = new SigV4Signer(request.region, 'sqs').sign(
          {
            host: request.host,
            path: '/',
            headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': request.target },
            body: request.body,
            date: request.date,
          },
          credentials,
        );
        const reference = await referenceAuthorization(request, credentials);
        expect(ours.authorization).toBe(reference.authorization);
        expect(ours['x-amz-date']).toBe(reference['x-amz-date']);
        expect(ours['x-amz-security-token']).toBe(reference['x-amz-security-token']);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('keeps using the right key across days and secrets (the cached key is per day and secret)', async () => {
    const signer = new SigV4Signer('us-east-1');
    const first = { accessKeyId: 'AKIDONE', secretAccessKey: 'secret-one' };
    const second = { accessKeyId: 'AKIDTWO', secretAccessKey: 'secret-two' };
    const sign = (date: Date, credentials: Credentials) =>
      signer.sign(
        {
          host: 'sqs.us-east-1.amazonaws.com',
          path: '/',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'AmazonSQS.ReceiveMessage',
          },
          body: '{}',
          date,
        },
        credentials,
      );
    const cases: [Date, Credentials][] = [
      [new Date('2026-12-07T23:59:59Z'), first],
      [new Date('2026-12-08T00:00:00Z'), first],
      [new Date('2026-12-08T00:00:01Z'), second],
      [new Date('2026-12-08T00:00:02Z'), first],
    ];
    for (const [date, credentials] of cases) {
      const reference = await referenceAuthorization(
        {
          host: 'sqs.us-east-1.amazonaws.com',
          target: 'AmazonSQS.ReceiveMessage',
          body: '{}',
          date,
          region: 'us-east-1',
        },
        credentials,
      );
      expect(sign(date, credentials).authorization).toBe(reference.authorization);
    }
  });

  it('formats the date as SigV4 signs it', () => {
    expect(amzDate(new Date('2026-12-07T06:04:46.789Z'))).toBe('20261207T060446Z');
  });

  it('reads credentials from the environment Lambda sets, unless given', () => {
    expect(
      resolveCredentials(undefined, {
        AWS_ACCESS_KEY_ID: 'AKID',
        AWS_SECRET_ACCESS_KEY: 's',
        AWS_SESSION_TOKEN: 'tok',
      }),
    ).toEqual({ accessKeyId: 'AKID', secretAccessKey: 's', sessionToken: 'tok' });
    expect(resolveCredentials(undefined, { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 's' })).toEqual({
      accessKeyId: 'AKID',
      secretAccessKey: 's',
      sessionToken: undefined,
    });
    expect(
      resolveCredentials({ accessKeyId: 'mine', secretAccessKey: 'x' }, { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 's' }),
    ).toEqual({ accessKeyId: 'mine', secretAccessKey: 'x' });
    expect(() => resolveCredentials(undefined, {})).toThrow(/AWS_ACCESS_KEY_ID/);
  });
});
