// The operator API's routes, once, for both of its hosts: the page's local server
// (scripts/operator/server.ts, under /api/) and the operator function on AWS (functions/http/ops,
// under /ops/, behind IAM authorization). A host gives the request's method, the path below its
// prefix, the query and the content type; it gets back a status and a JSON body.
//   GET  overview          chart, counts, open and late sagas, queue depths
//   GET  saga?id=           one order's or saga's history from the logs
//   GET  check              every invariant and the log audit (what `npm run check` prints)
//   POST replay[?stale-ms=] the replay, now       POST redrive?step=  dead letters back to the queue
import type { OperatorApi } from './api';
import { isStep } from '../saga/queue-inspection';

export interface OperatorRequest {
  method: string;
  /** The path below the host's prefix: "overview", "saga", ... */
  route: string;
  query: URLSearchParams;
  contentType: string;
}

export interface OperatorAnswer {
  status: number;
  body: unknown;
}

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const refuse = (status: number, error: string): OperatorAnswer => ({ status, body: { error } });

/** A replay run by hand over HTTP stops within this, below API Gateway's 30 s, and says `more`. */
export const HTTP_REPLAY_BUDGET_MS = 20_000;

export async function answerOperator(api: OperatorApi, request: OperatorRequest): Promise<OperatorAnswer> {
  const { method, route, query } = request;
  if (method === 'GET' && route === 'overview') return { status: 200, body: await api.overview() };
  if (method === 'GET' && route === 'saga') {
    const id = (query.get('id') ?? '').trim();
    if (!ID.test(id)) return refuse(400, 'Give an order id or a saga id (letters, digits, - _ . :).');
    return { status: 200, body: await api.saga(id) };
  }
  if (method === 'GET' && route === 'check') return { status: 200, body: await api.check() };
  if (method === 'POST' && (route === 'replay' || route === 'redrive')) {
    // A cross-site form cannot send this content type without a preflight we never answer.
    if (!request.contentType.startsWith('application/json')) return refuse(415, 'POST with content-type application/json');
    if (route === 'redrive') {
      const step = query.get('step') ?? '';
      if (!isStep(step)) return refuse(400, `unknown step "${step}"`);
      return { status: 200, body: await api.redrive(step) };
    }
    const stale = query.get('stale-ms');
    const staleMs = stale === null ? undefined : Number(stale);
    if (staleMs !== undefined && !(Number.isInteger(staleMs) && staleMs >= 0))
      return refuse(400, 'stale-ms must be a whole number of milliseconds, 0 or more');
    return { status: 200, body: await api.replay({ staleMs, budgetMs: HTTP_REPLAY_BUDGET_MS }) };
  }
  return refuse(404, 'not found');
}
