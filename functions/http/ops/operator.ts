import createError from 'http-errors';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpRoute } from '@lib/lambda/http';
import { OperatorApi } from '@lib/operator/api';
import { answerOperator } from '@lib/operator/routes';

// The operator's API on AWS: `ANY /ops/{proxy+}` behind AWS IAM authorization (API Gateway checks
// the caller's SigV4 signature and their right to execute-api:Invoke before this runs), answered
// by the same routes as the page's local server. One instance per container: the checkout chart
// follows the order log from where this container last read it.
const api = new OperatorApi({ stage: stageOf(process.env.AWS_LAMBDA_FUNCTION_NAME) });
export const OPS_PREFIX = '/ops/';

/** The stage the page names, from the deployed function's name: `sagashop-<stage>-operator`. */
export function stageOf(functionName = ''): string | undefined {
  const match = /^sagashop-(.+)-operator$/.exec(functionName);
  return match?.[1];
}

export const handler = httpRoute().handler(async (rawEvent) => {
  const event = rawEvent as APIGatewayProxyEventV2;
  const path = event.rawPath ?? '';
  const headers = event.headers ?? {};
  const answer = await answerOperator(api, {
    method: event.requestContext?.http?.method ?? 'GET',
    route: path.startsWith(OPS_PREFIX) ? path.slice(OPS_PREFIX.length) : '',
    query: new URLSearchParams(event.rawQueryString ?? ''),
    contentType: headers['content-type'] ?? headers['Content-Type'] ?? '',
  });
  if (answer.status !== 200) throw createError(answer.status, (answer.body as { error: string }).error);
  return answer.body;
});
