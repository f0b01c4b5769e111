// Fault injection for the chaos runs: SAGASHOP_CRASH_AT names a point, and the process dies there
// (SIGKILL, as a crashed host would: no cleanup, no flush) with probability
// SAGASHOP_CRASH_PROBABILITY (default 1). Unset, every crash point is a no-op.
//
// Deployed bundles must not carry it at all: serverless.yml builds them with esbuild's `define`
// turning `process.env.SAGASHOP_BUILD` into the literal "deployed", so the condition below is a
// constant, `crashPoint` becomes the empty function and esbuild drops `armedCrashPoint` with its
// variable names and messages (test/deploy/bundles.test.ts checks the bundle text).
import { logger } from './observability';

export type CrashPoint =
  | 'after-begin-before-send' // the saga is recorded, its first message not yet sent
  | 'after-write-before-send' // a step wrote its outcome, the next message not yet sent
  | 'after-send-before-delete' // the next message is out, the handled one not yet deleted
  | 'mid-replay'; // recovery has handled some sagas and not others

let armed: string[] | undefined;

function armedCrashPoint(point: CrashPoint): void {
  armed ??= process.env.SAGASHOP_CRASH_AT?.split(',').map((name) => name.trim()) ?? [];
  if (armed.length === 0 || !armed.includes(point)) return;
  if (Math.random() >= Number(process.env.SAGASHOP_CRASH_PROBABILITY ?? 1)) return;
  logger.error(`fault injection: crashing at ${point}`);
  process.kill(process.pid, 'SIGKILL');
}

export const crashPoint: (point: CrashPoint) => void = process.env.SAGASHOP_BUILD === 'deployed' ? () => {} : armedCrashPoint;
