// Fault injection for the chaos runs: SAGASHOP_CRASH_AT names a point, and the process dies there
// (SIGKILL, as a crashed host would: no cleanup, no flush) with probability
// SAGASHOP_CRASH_PROBABILITY (default 1). Unset, every crash point is a no-op.
export type CrashPoint =
  | 'after-begin-before-send' // the saga is recorded, its first message not yet sent
  | 'after-write-before-send' // a step wrote its outcome, the next message not yet sent
  | 'after-send-before-delete' // the next message is out, the handled one not yet deleted
  | 'mid-replay'; // recovery has handled some sagas and not others

const armed = process.env.SAGASHOP_CRASH_AT?.split(',').map((point) => point.trim()) ?? [];
const probability = Number(process.env.SAGASHOP_CRASH_PROBABILITY ?? 1);

export function crashPoint(point: CrashPoint): void {
  if (armed.length === 0 || !armed.includes(point)) return;
  if (Math.random() >= probability) return;
  console.error(`fault injection: crashing at ${point}`);
  process.kill(process.pid, 'SIGKILL');
}
