// Redis losing acknowledged writes, modelled the way a host crash does it: the state Redis holds
// goes back to what it had at an earlier instant (what its append-only file had on disk then),
// while the queue keeps every message sent since. Whether that can happen is the configured
// durability's call (REDIS_DURABILITY, lib/clients/config.ts), not the model's: with `fsync` each write is
// on disk before anything acts on it, with `memorydb` in the store's multi-AZ log, with `replicas`
// on the replicas a failover promotes; only `none` (or a build that has no such setting, which
// promises nothing) leaves a window in which an acknowledged write can be lost.
import type { SagaLib } from './saga-lib';

export type Service = 'stock' | 'payment' | 'order' | 'ids';
export const SERVICES: readonly Service[] = ['stock', 'payment', 'order', 'ids'];

/** Every key of one service, as Redis would restore it: its serialized value and absolute expiry. */
export interface SavedKey {
  key: string;
  dump: Buffer;
  /** Unix ms, or -1 for no expiry (PEXPIRETIME). */
  expiresAt: number;
}

export type Snapshot = Map<Service, SavedKey[]>;

/** The configured durability, and whether it lets a crash lose what was acknowledged. */
export function durabilityOf(lib: SagaLib): { mode: string; canLose: boolean } {
  const mode = (lib.config as { durability?: { mode: string } }).durability?.mode;
  if (mode === undefined) return { mode: 'none (this build has no durability setting)', canLose: true };
  return { mode, canLose: mode === 'none' };
}

const keysOf = async (lib: SagaLib, service: Service): Promise<string[]> => {
  const client = lib.redis.redisFor(service);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await client.scan(cursor, 'MATCH', `{${service}}:*`, 'COUNT', 1000);
    keys.push(...page);
    cursor = next;
  } while (cursor !== '0');
  return keys;
};

/** What each service's Redis holds now, key by key. */
export async function takeSnapshot(lib: SagaLib): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  for (const service of SERVICES) {
    const client = lib.redis.redisFor(service);
    const saved: SavedKey[] = [];
    for (const key of await keysOf(lib, service)) {
      const [dump, expiresAt] = await Promise.all([client.dumpBuffer(key), client.call('PEXPIRETIME', key) as Promise<number>]);
      if (dump !== null) saved.push({ key, dump, expiresAt: Number(expiresAt) });
    }
    snapshot.set(service, saved);
  }
  return snapshot;
}

/** The services' Redis back to the snapshot: every write since is gone. Returns how many keys differ in count. */
export async function restoreSnapshot(
  lib: SagaLib,
  snapshot: Snapshot,
  services: readonly Service[],
): Promise<{ removed: number; restored: number }> {
  let removed = 0;
  let restored = 0;
  for (const service of services) {
    const client = lib.redis.redisFor(service);
    const now = Date.now();
    const current = await keysOf(lib, service);
    if (current.length > 0) removed += await client.del(...current);
    for (const { key, dump, expiresAt } of snapshot.get(service) ?? []) {
      if (expiresAt >= 0 && expiresAt <= now) continue; // it would have expired by now
      if (expiresAt >= 0) await client.call('RESTORE', key, String(expiresAt), dump, 'ABSTTL');
      else await client.call('RESTORE', key, '0', dump);
      restored++;
    }
  }
  return { removed, restored };
}
