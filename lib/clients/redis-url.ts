/** A Redis endpoint as our URLs name it: `redis://` or `rediss://` (TLS) for one server,
 * `redis-cluster://` or `rediss-cluster://` with comma-separated seed nodes for a cluster,
 * `redis-sentinel://host:port[,host:port...]/<masterName>[/db]` for a master that Sentinel fails
 * over (seeds are then the sentinels); credentials as `user:password@` (URL-encoded, for the
 * Redis servers, not the sentinels), a database as `/n` (not in a cluster). */
export interface RedisEndpoint {
  cluster: boolean;
  tls: boolean;
  seeds: { host: string; port: number }[];
  username?: string;
  password?: string;
  db?: number;
  /** The name of the master set that `seeds` (the sentinels) watch; only for redis-sentinel://. */
  sentinelMaster?: string;
}

const SHAPE = /^(redis|rediss|redis-cluster|rediss-cluster):\/\/(?:([^@/]*)@)?([^/@]+)(?:\/(\d+))?\/?$/;
const SENTINEL_SHAPE = /^redis-sentinel:\/\/(?:([^@/]*)@)?([^/@]+)\/([A-Za-z0-9._-]+)(?:\/(\d+))?\/?$/;
const EXPECTED =
  'must look like redis://[user:password@]host:port[/db], rediss://... for TLS, redis-cluster://host:port,host:port, ' +
  'or redis-sentinel://host:port[,host:port]/masterName[/db]';

export function parseRedisUrl(url: string): RedisEndpoint {
  const trimmed = url.trim();
  const sentinel = SENTINEL_SHAPE.exec(trimmed);
  if (sentinel) {
    const [, credentials, hosts, masterName, db] = sentinel;
    return {
      cluster: false,
      tls: false,
      seeds: parseSeeds(hosts),
      ...parseCredentials(credentials),
      db: parseDb(db),
      sentinelMaster: masterName,
    };
  }
  const match = SHAPE.exec(trimmed);
  if (!match) throw new Error(EXPECTED);
  const [, scheme, credentials, hosts, db] = match;
  const cluster = scheme.endsWith('-cluster');
  const seeds = parseSeeds(hosts);
  if (!cluster && seeds.length > 1)
    throw new Error('names several hosts: use redis-cluster:// for a cluster, redis-sentinel://.../masterName for sentinels');
  if (cluster && db !== undefined) throw new Error('a cluster has no numbered databases');
  return {
    cluster,
    tls: scheme.startsWith('rediss'),
    seeds,
    ...parseCredentials(credentials),
    db: parseDb(db),
  };
}

function parseSeeds(hosts: string): RedisEndpoint['seeds'] {
  return hosts.split(',').map((seed) => {
    const [host, port = '6379'] = seed.split(':');
    const number = Number(port);
    if (!host || !Number.isInteger(number) || number < 1 || number > 65535) throw new Error(`"${seed}" is not host:port`);
    return { host, port: number };
  });
}

function parseCredentials(credentials: string | undefined): Pick<RedisEndpoint, 'username' | 'password'> {
  if (credentials === undefined) return {};
  const colon = credentials.indexOf(':');
  return {
    username: decodeURIComponent(colon >= 0 ? credentials.slice(0, colon) : credentials) || undefined,
    password: colon >= 0 ? decodeURIComponent(credentials.slice(colon + 1)) || undefined : undefined,
  };
}

const parseDb = (db: string | undefined) => (db === undefined ? undefined : Number(db));
