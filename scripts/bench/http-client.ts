import { Agent, request } from 'node:http';

/** A lean keep-alive HTTP client: the load generator shares the machine with what it measures. */
export function httpClient(api: string, connections: number) {
  const url = new URL(api);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const call = (method: 'GET' | 'POST', path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method, path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  return { call, close: () => agent.destroy() };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
