import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_REQUEST_BYTES, requestTooLarge } from './limits';
import { malformedRequest, SqsError } from './protocol';

export type Params = Record<string, any>;

/** What an action may know of its request beyond the parameters. */
export interface RequestContext {
  host: string;
  /** Aborted when the client's connection closes before the answer was written. */
  signal: AbortSignal;
  /** Set by an action whose answer hands something out: undoes it if the answer never arrives. */
  undelivered?: () => void;
}

/** An SQS action: answers its result, or a promise of it. */
export type Action = (params: Params, context: RequestContext) => unknown;

/** The request body passed the limit: `bytes` is how much was declared or had arrived. */
export class BodyTooLarge extends Error {
  constructor(readonly bytes: number) {
    super(`request body of ${bytes} bytes or more`);
  }
}

/** The client closed the connection before its request was complete: there is no one to answer. */
export class ClientGone extends Error {}

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length over the limit is
 * refused before a byte is read; a chunked body is counted as it streams and reading stops
 * (the stream is paused) at the first chunk past the limit, so a huge body is never held.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  // An 'error' on the request without a listener would be thrown: the client vanishing mid-body
  // must not take the whole endpoint (and every message it holds) down with it.
  request.on('error', () => undefined);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge(declared));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error) => {
      request.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onClose);
      if (!error) return resolve(Buffer.concat(chunks, size));
      request.pause();
      chunks.length = 0;
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(new BodyTooLarge(size));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onGone = () => finish(new ClientGone());
    const onClose = () => {
      if (!request.complete) finish(new ClientGone());
    };
    request.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onClose);
  });
}

/** Writes one JSON answer, unless the connection is already gone. */
export function reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...headers,
  });
  response.end(text);
}

function parseParams(raw: Buffer): Params {
  if (raw.length === 0) return {};
  let params: unknown;
  try {
    params = JSON.parse(raw.toString('utf8'));
  } catch {
    throw malformedRequest('The request body is not valid JSON.');
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    throw malformedRequest('The request body must be a JSON object.');
  return params;
}

/**
 * Answers one SQS JSON-protocol request with `actions`. Never rejects: whatever goes wrong becomes
 * an SQS error answer, or nothing at all for a client that already left. When the connection
 * closes before the answer was written, the action's signal aborts (a waiting long poll gives up
 * its place) and whatever it handed out is taken back (`undelivered`).
 */
export async function answer(actions: Record<string, Action>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // Only a long poll asks for the signal: most requests never make an AbortController (a
  // measurable share of a short request's cost).
  let controller: AbortController | undefined;
  let gone = false;
  const context: RequestContext = {
    host: request.headers.host ?? '127.0.0.1',
    get signal() {
      controller ??= new AbortController();
      if (gone) controller.abort();
      return controller.signal;
    },
  };
  const undo = () => {
    const undelivered = context.undelivered;
    context.undelivered = undefined;
    undelivered?.();
  };
  response.once('close', () => {
    if (response.writableFinished) return;
    gone = true;
    controller?.abort();
    undo();
  });
  const target = String(request.headers['x-amz-target'] ?? '');
  const name = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : undefined;
  const action = name !== undefined && Object.hasOwn(actions, name) ? actions[name] : undefined;
  let closeAfter = false;
  try {
    let raw: Buffer;
    try {
      raw = await readBody(request, MAX_REQUEST_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      closeAfter = true; // the rest of the body is never read, so the connection cannot carry another request
      throw requestTooLarge(name, error.bytes);
    }
    if (name === undefined)
      throw new SqsError('InvalidAction', 'This endpoint speaks the SQS JSON protocol (X-Amz-Target: AmazonSQS.<Action>) only.');
    if (!action) throw new SqsError('InvalidAction', `The action ${target} is not supported by this local endpoint.`);
    const result = await action(parseParams(raw), context);
    if (gone) return undo();
    reply(response, 200, result);
  } catch (error) {
    if (error instanceof ClientGone) return;
    const sqsError =
      error instanceof SqsError ? error : new SqsError('InternalFailure', 'The local endpoint failed.', 'InternalFailure', 500);
    if (!(error instanceof SqsError)) console.error(error);
    if (closeAfter) closeWhenAnswered(request, response);
    reply(
      response,
      sqsError.status,
      { __type: `com.amazonaws.sqs#${sqsError.code}`, message: sqsError.message },
      {
        'x-amzn-query-error': `${sqsError.queryCode};Sender`,
      },
    );
  }
}

/** How long, and how many more bytes, a refused body may keep arriving before its connection is cut. */
const LINGER_MS = 2_000;
const LINGER_BYTES = MAX_REQUEST_BYTES;

/**
 * Ends a connection whose request body was refused part-way. Destroying it at once would make the
 * kernel answer the unread input with a reset, which can throw away the error answer before the
 * client read it. So the answer goes out, then our side closes, and whatever still arrives is
 * dropped unread until the client stops, for at most LINGER_MS or LINGER_BYTES.
 */
function closeWhenAnswered(request: IncomingMessage, response: ServerResponse): void {
  const socket = request.socket;
  response.once('finish', () => {
    socket.end();
    let dropped = 0;
    const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(timer));
    request.removeAllListeners('data');
    request.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > LINGER_BYTES) socket.destroy();
    });
    request.resume();
  });
}
