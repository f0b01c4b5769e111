import { Agent, request } from 'node:http';

type Answer = { status: number; body: string };

/**
 * A lean keep-alive HTTP client: the load generator shares the machine with what it measures.
 *
 * A kept-alive connection that the server closes for idleness just as a request goes out fails
 * that request with ECONNRESET (Node's docs, `reusedSocket`). A GET changes nothing, so it is sent
 * once more, on a fresh connection (another pooled one may be just as stale). A POST is not: the
 * server may have read it (a checkout killed mid-way), and its caller must count it unanswered.
 */
export function httpClient(api: string, connections: number) {
  const url = new URL(api);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const attempt = (method: 'GET' | 'POST', path: string, retried: boolean): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method, path, agent: retried ? false : agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (method === 'GET' && !retried && req.reusedSocket && error.code === 'ECONNRESET') resolve(attempt(method, path, true));
        else reject(error);
      });
      req.end();
    });
  const call = (method: 'GET' | 'POST', path: string): Promise<Answer> => attempt(method, path, false);
  return { call, close: () => agent.destroy() };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
