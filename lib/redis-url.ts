/** A Redis endpoint as our URLs name it: `redis://` or `rediss://` (TLS) for one server,
 * `redis-cluster://` or `rediss-cluster://` with comma-separated seed nodes for a cluster;
 * credentials as `user:password@` (URL-encoded), a database as `/n` (single server only). */
export interface RedisEndpoint {
  cluster: boolean;
  tls: boolean;
  seeds: { host: string; port: number }[];
  username?: string;
  password?: string;
  db?: number;
}

const SHAPE = /^(redis|rediss|redis-cluster|rediss-cluster):\/\/(?:([^@/]*)@)?([^/@]+)(?:\/(\d+))?\/?$/;

export function parseRedisUrl(url: string): RedisEndpoint {
  const match = SHAPE.exec(url.trim());
  if (!match) {
    throw new Error('must look like redis://[user:password@]host:port[/db], rediss://... for TLS, or redis-cluster://host:port,host:port');
  }
  const [, scheme, credentials, hosts, db] = match;
  const cluster = scheme.endsWith('-cluster');
  const seeds = hosts.split(',').map((seed) => {
    const [host, port = '6379'] = seed.split(':');
    const number = Number(port);
    if (!host || !Number.isInteger(number) || number < 1 || number > 65535) throw new Error(`"${seed}" is not host:port`);
    return { host, port: number };
  });
  if (!cluster && seeds.length > 1) throw new Error('names several hosts: use redis-cluster:// for a cluster');
  if (cluster && db !== undefined) throw new Error('a cluster has no numbered databases');
  let username: string | undefined;
  let password: string | undefined;
  if (credentials !== undefined) {
    const colon = credentials.indexOf(':');
    username = decodeURIComponent(colon >= 0 ? credentials.slice(0, colon) : credentials) || undefined;
    password = colon >= 0 ? decodeURIComponent(credentials.slice(colon + 1)) || undefined : undefined;
  }
  return { cluster, tls: scheme.startsWith('rediss'), seeds, username, password, db: db === undefined ? undefined : Number(db) };
}
