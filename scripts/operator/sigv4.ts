// Signing requests to a deployed sagashop with the user's AWS credentials (Signature Version 4),
// with the SDK's own signer and credential chain (environment, ~/.aws profiles, SSO, instance
// roles, ...): the operator's API sits behind AWS IAM authorization (deploy/operator.ts).
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, HttpRequest, Provider, SourceData } from '@smithy/types';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** SHA-256 (an HMAC when given a secret) from node:crypto, in the shape the signer takes. */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export type Credentials = AwsCredentialIdentity | Provider<AwsCredentialIdentity>;

export const signerFor = (service: string, region: string, credentials: Credentials = defaultProvider()) =>
  new SignatureV4({ service, region, credentials, sha256: NodeSha256 });

/** The request the signer signs, from a URL, method, headers and body. */
export function signable(url: URL, method: string, headers: Record<string, string>, body?: string): HttpRequest {
  return {
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host, ...headers },
    body,
  };
}

/** fetch() with the request signed for `service` in `region`. */
export async function signedFetch(
  url: URL,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    service: string;
    region: string;
    credentials?: Credentials;
  },
): Promise<Response> {
  const method = init.method ?? 'GET';
  const signed = await signerFor(init.service, init.region, init.credentials).sign(signable(url, method, init.headers ?? {}, init.body));
  const headers = { ...signed.headers };
  delete headers.host; // fetch sets it from the URL, as signed
  try {
    return await fetch(url, { method, headers, body: init.body });
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`could not reach ${url.host}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
}
