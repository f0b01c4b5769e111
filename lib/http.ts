import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isHttpError } from 'http-errors';
import { Refusal, type RefusalKind } from './domain/errors';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

const STATUS_BY_REFUSAL: Record<RefusalKind, number> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  refused: 400,
};

export function jsonResult(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

/** The one place an error becomes a response: refusals and exposed http-errors keep their
 * sentence; anything else is logged here and answered without internals. */
export function errorResult(error: unknown): HttpResult {
  if (error instanceof Refusal) return jsonResult(STATUS_BY_REFUSAL[error.kind], { error: error.message });
  if (isHttpError(error) && error.expose) return jsonResult(error.statusCode, { error: error.message });
  console.error('request failed', error);
  const statusCode = isHttpError(error) ? error.statusCode : 500;
  return jsonResult(statusCode, { error: 'The service could not handle this request; please try again.' });
}

const jsonResponses = (): middy.MiddlewareObj<HttpEvent, any> => ({
  after: (request) => {
    request.response = jsonResult(200, request.response);
  },
  onError: (request) => {
    request.response = errorResult(request.error);
  },
});

/**
 * The middy chain of every HTTP route: the handler returns the 200 body as a plain object, or
 * throws a Refusal / http-error, and gets a JSON response either way.
 */
export const httpRoute = () => middy<HttpEvent, any>().use(jsonResponses());

/** A path parameter as the route declared it. */
export const pathParam = (event: HttpEvent, name: string): string | undefined => event.pathParameters?.[name];
