// Fault injection for the chaos runs: SAGASHOP_CRASH_AT names a point, and the process dies there
// (SIGKILL, as a crashed host would: no cleanup, no flush) with probability
// SAGASHOP_CRASH_PROBABILITY (default 1), both read by lib/clients/config.ts. Unset, every crash point is a
// no-op.
//
// Deployed bundles must not carry it at all: they are built with SAGASHOP_BUILD defined as
// "deployed" (lib/clients/config.ts), so the condition below is a constant, `crashPoint` becomes the empty
// function and esbuild drops `armedCrashPoint` with its messages (test/deploy/bundles.test.ts
// checks the bundle text).
import { config } from '../clients/config';
import { Log } from './observability';

// A line that belongs to no invocation (recovery's own run) carries no keys.
const processLog = /* @__PURE__ */ new Log();

export type CrashPoint =
  | 'after-begin-before-send' // the saga is recorded, its first message not yet sent
  | 'after-write-before-send' // a step wrote its outcome, the next message not yet sent
  | 'after-send-before-delete' // the next message is out, the handled one not yet deleted
  | 'mid-replay'; // recovery has handled some sagas and not others

/** Dies at `point` if it is armed; the last line goes on `log`, so it names what was in hand. */
function armedCrashPoint(point: CrashPoint, log: Log = processLog): void {
  const { crashAt, probability } = config.faultInjection;
  if (!crashAt.includes(point) || Math.random() >= probability) return;
  log.error(`fault injection: crashing at ${point}`);
  process.kill(process.pid, 'SIGKILL');
}

export const crashPoint: (point: CrashPoint, log?: Log) => void = globalThis.SAGASHOP_BUILD === 'deployed' ? () => {} : armedCrashPoint;
