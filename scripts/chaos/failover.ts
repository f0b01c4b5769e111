import { ask, replicationField, type ReplicatedRedis } from '../stack/redis-sentinel';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface FailoverReport {
  /** Bytes of the replication stream the master had acknowledged and the promoted replica never got (at least). */
  lostBytes: number;
  /** From the master's kill until the sentinel named the replica as master. */
  promotionMs: number;
  /** From the master's kill until the application answered a checkout 200 again. */
  recoveryMs: number;
}

export function describeFailover(report: FailoverReport): string {
  return (
    `failover: the promoted replica missed ${report.lostBytes} bytes of acknowledged writes; ` +
    `promoted ${(report.promotionMs / 1000).toFixed(1)} s after the kill, app paying again after ${(report.recoveryMs / 1000).toFixed(1)} s`
  );
}

/**
 * A failover that loses acknowledged writes, as one on ElastiCache can (its replication is
 * asynchronous): the replica falls behind for `lagMs` — frozen, and its link to the master cut,
 * so that nothing written meanwhile reaches it, not even through the kernel's socket buffers —
 * while the master goes on acknowledging writes; then the master is killed -9, the replica
 * resumes, and the sentinel promotes it with only what it had. The old master is started again
 * from its own files and the sentinel makes it a replica of the new one (it resyncs, dropping
 * what only it had), so the pair is replicated again. Resolves once `appFollows` does.
 */
export async function failOverLosingWrites(
  redis: ReplicatedRedis,
  lagMs: number,
  appFollows: () => Promise<void>,
): Promise<FailoverReport> {
  const master = await redis.masterPort();
  const replica = await redis.replicaPort();
  let acknowledged: number;
  redis.signal(replica, 'SIGSTOP');
  try {
    await ask(master, (client) => client.call('CLIENT', 'KILL', 'TYPE', 'replica'));
    await sleep(lagMs);
    acknowledged = Number(await replicationField(master, 'master_repl_offset'));
    await redis.kill(master);
  } finally {
    redis.signal(replica, 'SIGCONT');
  }
  const killedAt = Date.now();
  await redis.waitForMaster(replica);
  const promotionMs = Date.now() - killedAt;
  // After REPLICAOF NO ONE, second_repl_offset is one past the last byte the replica had from the old master.
  const received = Number(await replicationField(replica, 'second_repl_offset')) - 1;
  await redis.startNode(master, replica);
  await redis.waitForReplica(master);
  await appFollows();
  return { lostBytes: acknowledged - received, promotionMs, recoveryMs: Date.now() - killedAt };
}
