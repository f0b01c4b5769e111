// The operator's page: one HTML page (page.html + page.js, no build step) and its JSON endpoints,
// on 127.0.0.1:$OPS_PORT (8001). `npm start` runs it beside the API; `npm run ops` runs it alone
// against the stack `npm start` runs (or REDIS_URL / SQS_ENDPOINT); `npm run ops -- --stage prod`
// (or --api <url>) against a deployed stage's operator API, each request signed (./remote.ts).
//   GET  /               the page                 GET  /api/overview     chart, counts, queues
//   GET  /api/saga?id=   one order's or saga's history from the logs
//   GET  /api/check      the invariants and the log audit
//   POST /api/replay     runs the replay now      POST /api/redrive?step=  DLQ messages back to the queue
// (lib/operator/routes.ts answers every /api/ route.)
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { closeRedisClients } from '../../lib/clients/redis';
import { closeSqsClient } from '../../lib/clients/sqs';
import { useLocalStackEnv } from '../stack/local-env';
import { OperatorApi } from '../../lib/operator/api';
import { answerOperator } from '../../lib/operator/routes';
import { RemoteOperator, remoteTarget } from './remote';

const STATIC: Record<string, [file: string, type: string]> = {
  '/': ['page.html', 'text/html; charset=utf-8'],
  '/page.js': ['page.js', 'text/javascript; charset=utf-8'],
};

function send(response: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(text);
}

/** Where the page's /api/ requests go: this process's own API on the local stack, or a deployed
 * stage's operator API (`npm run ops -- --stage prod`), signed with the user's credentials. */
type Backend = { local: OperatorApi } | { remote: RemoteOperator };

async function route(backend: Backend, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://operator');
  const file = STATIC[url.pathname];
  if (request.method === 'GET' && file) return send(response, 200, readFileSync(join(__dirname, file[0]), 'utf8'), file[1]);
  if (!url.pathname.startsWith('/api/')) return send(response, 404, { error: 'not found' });
  request.resume();
  const method = request.method ?? 'GET';
  const apiRoute = url.pathname.slice('/api/'.length);
  const contentType = request.headers['content-type'] ?? '';
  if ('remote' in backend) {
    // The same refusal as the local API's before anything is signed and sent.
    if (method === 'POST' && !contentType.startsWith('application/json'))
      return send(response, 415, { error: 'POST with content-type application/json' });
    const answer = await backend.remote.request(method, apiRoute, url.searchParams);
    return send(response, answer.status, answer.body);
  }
  const answer = await answerOperator(backend.local, {
    method,
    route: apiRoute,
    query: url.searchParams,
    contentType,
  });
  send(response, answer.status, answer.body);
}

export interface OperatorServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the page's server; the configuration must name the stack (see useLocalStackEnv). */
export async function startOperatorServer(port: number, host = '127.0.0.1', remote?: RemoteOperator): Promise<OperatorServer> {
  const backend: Backend = remote ? { remote } : { local: new OperatorApi() };
  const server = createServer((request, response) => {
    route(backend, request, response).catch((error: Error) => {
      if (!response.headersSent) send(response, 500, { error: error.message || String(error) });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://${host}:${bound}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  const target = await remoteTarget(process.argv.slice(2));
  if (!target) useLocalStackEnv();
  const port = Number(process.env.OPS_PORT || 8001);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`OPS_PORT must be a TCP port number (got ${process.env.OPS_PORT})`);
  const ops = await startOperatorServer(port, process.env.OPS_HOST || '127.0.0.1', target && new RemoteOperator(target));
  const source = target
    ? `${target.api.origin}/ops/, requests signed for ${target.region}`
    : `Redis ${process.env.REDIS_URL}, SQS ${process.env.SQS_ENDPOINT}`;
  console.log(`operator's page on ${ops.url} (${source})`);
  const stop = async () => {
    ops.server.closeAllConnections();
    await ops.close();
    await closeRedisClients();
    closeSqsClient();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`the operator's page could not start: ${error.message}`);
    process.exit(1);
  });
}
