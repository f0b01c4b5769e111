import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import { signerFor } from '../../../scripts/operator/sigv4';
import type { BundleHost } from './bundle-host';

// A stand-in for an HTTP API route with AWS IAM authorization, in front of a packaged function.
// What it checks, as API Gateway documents it: an Authorization header of SigV4 form whose
// credential scope names this region and execute-api, a known access key, an X-Amz-Date within
// five minutes, and a signature that matches the request as received (method, path, query, the
// signed headers, the body and its hash). It recomputes the signature with the same SigV4 implementation the
// client signs with (@smithy/signature-v4, the AWS SDK's): that proves the client signs what it
// sends and that any change on the way is refused, not that AWS's own verifier agrees, nor
// anything of IAM's policy evaluation (execute-api:Invoke on the route), which only a real
// account shows. Then it passes the request on as a payload 2.0 event, as API Gateway does.

export interface GatewayCall {
  method: string;
  path: string;
  status: number;
  refusal?: string;
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

function amzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return match ? new Date(Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5], +match[6])) : undefined;
}

/** Why the request is refused, or undefined when its signature holds. */
export async function sigv4Refusal(
  request: { method: string; url: URL; headers: Record<string, string>; body: string },
  region: string,
  secrets: Record<string, string>,
): Promise<string | undefined> {
  const auth = AUTH.exec(request.headers.authorization ?? '');
  if (!auth) return 'no SigV4 Authorization header';
  const [, accessKeyId, day, scopeRegion, service, signedHeaders, signature] = auth;
  if (scopeRegion !== region || service !== 'execute-api') return `credential scope ${scopeRegion}/${service} is not ${region}/execute-api`;
  const secretAccessKey = secrets[accessKeyId];
  if (!secretAccessKey) return `unknown access key ${accessKeyId}`;
  const date = amzDate(request.headers['x-amz-date'] ?? '');
  if (!date || !(request.headers['x-amz-date'] ?? '').startsWith(day)) return 'no X-Amz-Date matching the credential scope';
  if (Math.abs(Date.now() - date.getTime()) > 5 * 60_000) return 'the signature is more than 5 minutes old';
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'host and x-amz-date must be signed';
  const headers = Object.fromEntries(names.map((name) => [name, request.headers[name] ?? '']));
  // The signer hashes the body into the canonical request unless this header names the hash:
  // then the header must be the hash of the body that came, or a changed body would pass.
  const bodyHash = request.headers['x-amz-content-sha256'];
  if (bodyHash !== undefined && bodyHash !== createHash('sha256').update(request.body).digest('hex'))
    return 'the body does not match its signed hash';
  const sessionToken = request.headers['x-amz-security-token'];
  const resigned = await signerFor('execute-api', region, {
    accessKeyId,
    secretAccessKey,
    sessionToken,
  }).sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      port: request.url.port ? Number(request.url.port) : undefined,
      path: request.url.pathname,
      query: Object.fromEntries(request.url.searchParams),
      headers,
      body: request.body || undefined,
    },
    { signingDate: date, unsignableHeaders: new Set(), signableHeaders: new Set(names) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization))?.[1] ?? '';
  const same = expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  return same ? undefined : 'the signature does not match the request';
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });

/** Serves `ANY /ops/{proxy+}` with IAM authorization in front of the host's `operator` function. */
export async function startIamGateway(host: BundleHost, region: string, secrets: Record<string, string>) {
  const calls: GatewayCall[] = [];
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value ?? '')]),
    );
    const reply = (status: number, payload: string, refusal?: string) => {
      calls.push({ method: request.method ?? '', path: url.pathname, status, refusal });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(payload);
    };
    if (!url.pathname.startsWith('/ops/')) return reply(404, '{"message":"Not Found"}');
    const refusal = await sigv4Refusal({ method: request.method ?? 'GET', url, headers, body }, region, secrets);
    if (refusal) return reply(403, '{"message":"Forbidden"}', refusal);
    const accessKey = /Credential=([^/]+)/.exec(headers.authorization)![1];
    const now = Date.now();
    const event = {
      version: '2.0',
      routeKey: 'ANY /ops/{proxy+}',
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers,
      queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
      pathParameters: { proxy: url.pathname.slice('/ops/'.length) },
      body: body || undefined,
      isBase64Encoded: false,
      requestContext: {
        accountId: '123456789012',
        apiId: 'api',
        authorizer: {
          iam: { accessKey, accountId: '123456789012', userArn: 'arn:aws:iam::123456789012:user/operator' },
        },
        domainName: url.host,
        http: {
          method: request.method,
          path: url.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: `gateway-${now}`,
        routeKey: 'ANY /ops/{proxy+}',
        stage: '$default',
        time: new Date(now).toUTCString(),
        timeEpoch: now,
      },
    };
    try {
      const result = await host.invoke('operator', event);
      reply(result.statusCode, result.body);
    } catch (error) {
      reply(500, JSON.stringify({ message: 'Internal Server Error', detail: String(error) }));
    }
  };
  const server = createServer((request, response) => {
    // A failure before the operator runs (reading the body, checking the signature) answers 500
    // rather than rejecting where no one listens.
    serve(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Internal Server Error', detail: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
