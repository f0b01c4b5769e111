// The answer of `serverless offline` to a request that no route takes: a path the API does not
// have, or a method its path does not take. serverless-offline's own answer names the framework
// and lists every route of the gateway; API Gateway answers such a request 404 too, as here, and
// names nothing. Served as the HTTP API's $default route (the companion plugin adds it, stage
// local only), which serverless-offline matches only when no other route does.
'use strict';

const NO_ROUTE = JSON.stringify({ error: 'Not found: no route takes this method and path.' });

async function handler() {
  return { statusCode: 404, headers: { 'Content-Type': 'application/json' }, body: NO_ROUTE };
}

module.exports = { handler };
