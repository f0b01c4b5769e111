import type { Message } from '@aws-sdk/client-sqs';

// Events shaped as AWS delivers them: API Gateway HTTP API (payload 2.0) and REST API (1.0)
// proxy events, SQS batches and an EventBridge schedule.

/** Each HTTP function's route, as serverless.yml declares it. */
export const ROUTE_OF: Record<string, string> = {
  createItem: 'POST /stock/item/create/{price}',
  findItem: 'GET /stock/find/{item_id}',
  addStock: 'POST /stock/add/{item_id}/{amount}',
  subtractStock: 'POST /stock/subtract/{item_id}/{amount}',
  batchInitItems: 'POST /stock/batch_init/{n}/{starting_stock}/{item_price}',
  createUser: 'POST /payment/create_user',
  findUser: 'GET /payment/find_user/{user_id}',
  addFunds: 'POST /payment/add_funds/{user_id}/{amount}',
  pay: 'POST /payment/pay/{user_id}/{amount}',
  batchInitUsers: 'POST /payment/batch_init/{n}/{starting_money}',
  createOrder: 'POST /orders/create/{user_id}',
  findOrder: 'GET /orders/find/{order_id}',
  addItem: 'POST /orders/addItem/{order_id}/{item_id}/{quantity}',
  checkout: 'POST /orders/checkout/{order_id}',
  batchInitOrders: 'POST /orders/batch_init/{n}/{n_items}/{n_users}/{item_price}',
  createId: 'GET /ids/create',
  // AWS stages only, behind IAM authorization: `ANY /ops/{proxy+}` (deploy/operator.ts); its overview.
  operator: 'GET /ops/overview',
};

export type PayloadVersion = '1.0' | '2.0';

/** The event API Gateway sends for a route called with these path parameters. */
export function httpEvent(version: PayloadVersion, routeKey: string, params: Record<string, string>, stage: string) {
  const [method, template] = routeKey.split(' ');
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]));
  const hasParams = Object.keys(params).length > 0;
  const now = Date.now();
  if (version === '2.0') {
    return {
      version: '2.0',
      routeKey,
      rawPath: path,
      rawQueryString: '',
      headers: { host: 'api.example.com', 'user-agent': 'bundle-test' },
      ...(hasParams ? { pathParameters: params } : {}),
      isBase64Encoded: false,
      requestContext: {
        accountId: '123456789012',
        apiId: 'api',
        domainName: 'api.example.com',
        domainPrefix: 'api',
        http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'bundle-test' },
        requestId: `request-${now}`,
        routeKey,
        stage: '$default',
        time: new Date(now).toUTCString(),
        timeEpoch: now,
      },
    };
  }
  return {
    resource: template,
    path,
    httpMethod: method,
    headers: { Host: 'api.example.com', 'User-Agent': 'bundle-test' },
    multiValueHeaders: { Host: ['api.example.com'], 'User-Agent': ['bundle-test'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: hasParams ? params : null,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'restapi',
      httpMethod: method,
      path: `/${stage}${path}`,
      protocol: 'HTTP/1.1',
      requestId: `request-${now}`,
      requestTimeEpoch: now,
      resourceId: 'resource',
      resourcePath: template,
      stage,
      identity: { sourceIp: '203.0.113.1', userAgent: 'bundle-test' },
    },
    body: null,
    isBase64Encoded: false,
  };
}

/** The event Lambda's SQS event source hands a function for messages it received. */
export function sqsEvent(messages: Message[], queueArn: string) {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: {
        ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: message.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
}

/** The event an EventBridge `rate(...)` rule sends. */
export function scheduledEvent(ruleArn: string) {
  return {
    version: '0',
    id: `event-${Date.now()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [ruleArn],
    detail: {},
  };
}
