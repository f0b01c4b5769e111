import * as http from 'node:http';
import * as https from 'node:https';
import { AbortError, TimeoutError } from './errors';

export interface Answer {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Timeouts {
  /** Most time to open a new connection (a reused one is already open). */
  connectMs: number;
  /** Most time from sending the request to the end of its answer. */
  responseMs: number;
}

export interface Endpoint {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** The Host header: the port only when it is not the scheme's own, as SigV4 expects it signed. */
  host: string;
  path: string;
}

export function parseEndpoint(raw: string): Endpoint {
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`An SQS endpoint is http:// or https:// (got ${raw})`);
  if (url.search || url.hash) throw new Error(`An SQS endpoint has no query or fragment (got ${raw})`);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  // IPv6 literals keep their brackets in the Host header and lose them for connecting.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { protocol: url.protocol, hostname, port, host: url.host, path: url.pathname || '/' };
}

/**
 * Keep-alive connections, reused request after request (each new one costs a TCP, and on AWS a
 * TLS, handshake), with Nagle's algorithm off: a request is written whole and must leave at once.
 */
export function keepAliveAgent(protocol: Endpoint['protocol'], maxSockets: number): http.Agent {
  const options = { keepAlive: true, noDelay: true, maxSockets, scheduling: 'lifo' as const };
  return protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/** One POST and its whole answer. Rejects with the socket's error, a TimeoutError or an AbortError. */
export function post(
  endpoint: Endpoint,
  agent: http.Agent,
  headers: Record<string, string | number>,
  body: string,
  timeouts: Timeouts,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  if (signal?.aborted) return Promise.reject(new AbortError());
  const send = endpoint.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    let settled = false;
    const request = send({
      agent,
      method: 'POST',
      hostname: endpoint.hostname,
      port: endpoint.port,
      path: endpoint.path,
      headers,
    });
    const finish = (error: Error | undefined, answer?: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(responseTimer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        request.destroy();
        reject(error);
      } else resolve(answer!);
    };
    const onAbort = () => finish(new AbortError());
    signal?.addEventListener('abort', onAbort, { once: true });
    const responseTimer = setTimeout(
      () => finish(new TimeoutError(`SQS did not answer within ${timeouts.responseMs} ms`)),
      timeouts.responseMs,
    );
    request.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connectTimer = setTimeout(
        () => finish(new TimeoutError(`could not connect to SQS within ${timeouts.connectMs} ms`)),
        timeouts.connectMs,
      );
      socket.once('connect', () => clearTimeout(connectTimer));
      socket.once('close', () => clearTimeout(connectTimer));
    });
    request.on('error', (error) => finish(error));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => finish(error));
      response.on('end', () =>
        finish(undefined, {
          statusCode: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
        }),
      );
      // A connection closed before the answer's end is a network error, not an answer.
      response.on('aborted', () => finish(Object.assign(new Error('SQS closed the connection mid-answer'), { code: 'ECONNRESET' })));
    });
    request.end(body);
  });
}
