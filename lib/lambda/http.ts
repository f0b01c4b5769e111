import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { isHttpError } from 'http-errors';
import { Refusal, type RefusalKind } from '../domain/errors';
import { Log, withInvocationLog, type InvocationContext } from './observability';
import { loadRedisAuth } from '../clients/redis-auth';
import { NotDurableError } from '../store/durability';

// The same routes run behind an HTTP API on AWS (payload 2.0 events) and behind a REST API on
// LocalStack, whose free edition has no HTTP APIs (1.0 events). Both carry `pathParameters`
// (null in 1.0 when a route has none), and both take `{ statusCode, headers, body }` as the answer.
export type HttpEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;
export type HttpResult = APIGatewayProxyResult;

const STATUS_BY_REFUSAL: Record<RefusalKind, number> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  refused: 400,
};

export function jsonResult(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

/** The sentence of every failure nobody designed an answer for. */
export const GENERIC_FAILURE = 'The service could not handle this request; please try again.';

/**
 * The one place an error becomes a response. Refusals and exposed http-errors are designed
 * answers and keep their sentence, whatever their status (the checkout's 503 and 504 say what to
 * do next); anything else is answered without internals. Every 5xx and every unexpected error is
 * logged here, with its message, stack and cause in the JSON line: an operator should see each one.
 */
export function errorResult(error: unknown, log: Log = new Log()): HttpResult {
  if (error instanceof Refusal) return jsonResult(STATUS_BY_REFUSAL[error.kind], { error: error.message });
  if (error instanceof NotDurableError) {
    log.error('request failed', { statusCode: 503, error });
    return jsonResult(503, { error: notDurableAnswer(error) });
  }
  const designed = isHttpError(error) && error.expose;
  const statusCode = isHttpError(error) ? error.statusCode : 500;
  // statusCode tells the answered 500s (the ServerErrors alarm's log filter, deploy/alarms.ts)
  // from the designed 503 and 504.
  if (!designed || statusCode >= 500) log.error('request failed', { statusCode, error });
  return jsonResult(statusCode, { error: designed ? (error as Error).message : GENERIC_FAILURE });
}

/**
 * A write that ran but could not be confirmed durable may stand or may be lost by a failover:
 * "try again" would apply a payment or a stock change twice, so the answer says to read it back.
 */
export function notDurableAnswer(error: NotDurableError): string {
  return error.mayHaveApplied
    ? 'The store could not confirm that this change was kept; it may or may not have been applied: read it back before repeating it.'
    : 'The store cannot confirm that its data is durable right now; nothing was changed. Please try again later.';
}

type Middleware = middy.MiddlewareObj<HttpEvent, any, Error, InvocationContext>;

const jsonResponses = (): Middleware => ({
  after: (request) => {
    request.response = jsonResult(200, request.response);
  },
  onError: (request) => {
    request.response = errorResult(request.error, request.context.log);
  },
});

/** Every line of a request about an order carries its id. */
const orderKeys = (): Middleware => ({
  before: (request) => {
    const orderId = pathParam(request.event, 'order_id');
    if (orderId !== undefined) request.context.log = request.context.log.with({ orderId });
  },
});

/**
 * The middy chain of every HTTP route: the handler returns the 200 body as a plain object, or
 * throws a Refusal / http-error, and gets a JSON response either way. `context.log` writes lines
 * that carry the request id (and the order id).
 */
export const httpRoute = () =>
  middy<HttpEvent, any, Error, InvocationContext>().use(withInvocationLog()).use(orderKeys()).use(jsonResponses()).use(loadRedisAuth());

/** A path parameter as the route declared it, from a 1.0 or a 2.0 event. */
export const pathParam = (event: HttpEvent, name: string): string | undefined => event.pathParameters?.[name] ?? undefined;
