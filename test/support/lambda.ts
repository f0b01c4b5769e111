import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** An API Gateway HTTP API (payload 2.0) event for one route, as serverless-offline builds it. */
export function httpEvent(method: string, path: string, pathParameters: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: {},
    pathParameters,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'offline',
      apiId: 'offline',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'test',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: Date.now(),
    },
  };
}

export const lambdaContext = { functionName: 'test', awsRequestId: 'test' } as Context;

export interface Answer {
  status: number;
  body: any;
  contentType?: string;
}

/** Invokes an HTTP handler and decodes its JSON answer. */
export async function call(handler: unknown, pathParameters: Record<string, string> = {}): Promise<Answer> {
  const result = await (handler as HttpHandler)(httpEvent('POST', '/test', pathParameters), lambdaContext);
  const headers = result.headers ?? {};
  return {
    status: result.statusCode ?? 0,
    body: JSON.parse(String(result.body)),
    contentType: String(headers['Content-Type'] ?? ''),
  };
}
