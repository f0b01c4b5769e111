// Recovery's second line of defence: the stock and payment logs are reconciled with the order
// service, so a reservation or a charge whose saga the order service does not know (its
// begin-checkout's write was lost, its first message was not) is found and given back instead of
// stranding stock or money unnoticed. See docs/recovery.md.
import { decideOrphan } from '../domain/recovery';
import { readPaymentMarker, refundCharge, abortCharge } from '../store/saga-payment';
import { itemsTakenBy, readStockMarker, releaseOrphanReservation } from '../store/saga-stock';
import { sagasKnown } from '../store/saga-order';
import type { StepTook } from './log-scan';
import { SAGA } from './definition';

export interface OrphanLine {
  sagaId: string;
  /** The log it was found in. */
  found: 'stock' | 'payment';
  result: string;
}

/** The stock's undo, as the declaration names it: the reservation's compensation (release-stock). */
const RELEASE = SAGA.steps['reserve-stock'].compensation;
export type OrphanWrite = 'refund-charge' | typeof RELEASE;

export interface OrphanOutcome {
  line?: OrphanLine;
  stop?: 'lost-turn' | 'crashed';
}

/**
 * The reservations and charges of one page whose saga the order service does not know. Asked for
 * the whole page at once (two pipelined reads per entry): nearly every saga is known.
 */
export async function unknownSagas(took: StepTook[]): Promise<StepTook[]> {
  const known = await sagasKnown(took.map((entry) => entry.sagaId));
  return took.filter((_, index) => !known[index]);
}

/**
 * Settles one reservation or charge whose saga the order service did not know, found old enough
 * that no message of its saga can act any more. The order service was asked first and the markers
 * are read after: the sweep removes a finished saga's markers before it stops listing it, so a
 * known saga can never look like an orphan here, and the scripts re-read the marker in the same
 * step as their write, so nothing is given back twice. Each orphan gets both fences: the charge
 * given back (or fenced off), the stock given back (or the reservation fenced off).
 */
export async function settleOrphan(
  took: StepTook,
  token: number,
  crashes: (write: OrphanWrite) => Promise<boolean>,
): Promise<OrphanOutcome> {
  const [stock, payment] = await Promise.all([readStockMarker(took.sagaId), readPaymentMarker(took.sagaId)]);
  const action = decideOrphan({ knownToOrders: false, ...stock, ...payment });
  if (action.kind === 'none') return {};
  const line = (result: string, stop?: OrphanOutcome['stop']): OrphanOutcome => ({
    line: { sagaId: took.sagaId, found: took.service, result },
    stop,
  });
  if (await crashes('refund-charge')) return line('crashed before refund-charge', 'crashed');
  // The charge's user is only in its log entry: found through the stock log, a charge that took
  // money is left to the payment log's scan (which reads every charge once it is old enough).
  const charge = took.userId !== undefined ? await refundCharge(took.sagaId, took.userId, token) : await abortCharge(took.sagaId, token);
  if (charge === 'fenced') return line('stopped: a newer recovery wrote before refund-charge', 'lost-turn');
  if (await crashes(RELEASE)) return line(`crashed before ${RELEASE}`, 'crashed');
  const items = [...new Set([...(took.itemIds ?? []), ...(await itemsTakenBy(took.sagaId))])];
  const released = await releaseOrphanReservation(took.sagaId, items, token);
  if (released === 'fenced') return line(`stopped: a newer recovery wrote before ${RELEASE}`, 'lost-turn');
  const charged = charge === 'done' ? 'charged (left to the payment log)' : charge;
  return line(`given back: charge ${charged}, stock ${released}`);
}
