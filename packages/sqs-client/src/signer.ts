import { createHash, createHmac } from 'node:crypto';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (Lambda's role) come with one; it is sent and signed as x-amz-security-token. */
  sessionToken?: string;
}

/** What one SQS JSON-protocol request signs: always `POST` with no query string. */
export interface SignableRequest {
  /** The Host header as sent: `host` or `host:port` for a port other than the scheme's. */
  host: string;
  path: string;
  headers: { 'content-type': string; 'x-amz-target': string };
  body: string;
  date: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** `20261207T060446Z`: the ISO 8601 basic format SigV4 signs, to the second. */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

// Canonical header values: trimmed, inner runs of spaces and tabs as one space, no line breaks.
const canonicalValue = (value: string) =>
  value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();

/**
 * AWS Signature Version 4 for one service and region. The signing key depends only on the secret,
 * the day, the region and the service, so it is derived once per day (four HMACs) and each request
 * costs two SHA-256 digests and one HMAC.
 */
export class SigV4Signer {
  private cached: { day: string; secret: string; key: Buffer } | undefined;

  constructor(
    private readonly region: string,
    private readonly service = 'sqs',
  ) {}

  private signingKey(secret: string, day: string): Buffer {
    const cached = this.cached;
    if (cached && cached.day === day && cached.secret === secret) return cached.key;
    const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), this.region), this.service), 'aws4_request');
    this.cached = { day, secret, key };
    return key;
  }

  /** The headers that make the request authentic: x-amz-date, x-amz-security-token (if any) and authorization. */
  sign(request: SignableRequest, credentials: Credentials): Record<string, string> {
    const longDate = amzDate(request.date);
    const day = longDate.slice(0, 8);
    const signed: [string, string][] = [
      ['content-type', request.headers['content-type']],
      ['host', request.host],
      ['x-amz-date', longDate],
    ];
    if (credentials.sessionToken) signed.push(['x-amz-security-token', credentials.sessionToken]);
    signed.push(['x-amz-target', request.headers['x-amz-target']]);
    // Already in the code-point order SigV4 requires.
    const signedNames = signed.map(([name]) => name).join(';');
    const canonicalRequest = [
      'POST',
      request.path,
      '',
      ...signed.map(([name, value]) => `${name}:${canonicalValue(value)}`),
      '',
      signedNames,
      sha256Hex(request.body),
    ].join('\n');
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac('sha256', this.signingKey(credentials.secretAccessKey, day)).update(stringToSign, 'utf8').digest('hex');
    const headers: Record<string, string> = {
      'x-amz-date': longDate,
      authorization: `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedNames}, Signature=${signature}`,
    };
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
    return headers;
  }
}

/** Explicit credentials, else the standard environment variables (what Lambda sets for the function's role). */
export function resolveCredentials(explicit: Credentials | undefined, env: NodeJS.ProcessEnv = process.env): Credentials {
  if (explicit) return explicit;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('No AWS credentials: pass `credentials`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (Lambda sets them)');
  }
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}
