/**
 * Faults the endpoint can inject on every send, for fault-injection runs (`--faults` of the bin,
 * `faults` of startSqsEndpoint):
 *   duplicate        every message is delivered twice (two copies, as at-least-once allows)
 *   delay=300        every message waits a random 0..300 ms before it is visible: reordered
 *   drop=0.1         10% of messages are acknowledged to the sender and then lost
 * e.g. `--faults duplicate,delay=200`. Unset, the endpoint injects nothing.
 */
export interface SendFaults {
  duplicate: boolean;
  maxDelayMs: number;
  dropRate: number;
}

export function parseSendFaults(spec: string | undefined): SendFaults {
  const faults: SendFaults = { duplicate: false, maxDelayMs: 0, dropRate: 0 };
  for (const part of (spec ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=');
    if (name === 'duplicate') faults.duplicate = true;
    else if (name === 'delay' && Number(value) >= 0) faults.maxDelayMs = Number(value);
    else if (name === 'drop' && Number(value) >= 0 && Number(value) <= 1) faults.dropRate = Number(value);
    else throw new Error(`--faults: cannot read "${part}" (duplicate, delay=<ms>, drop=<0..1>)`);
  }
  return faults;
}

/** How many copies of one sent message to enqueue (0 = lost), and each one's extra delay in ms. */
export function copiesToEnqueue(faults: SendFaults, random: () => number = Math.random): number[] {
  if (random() < faults.dropRate) return [];
  const copies = faults.duplicate ? 2 : 1;
  return Array.from({ length: copies }, () => (faults.maxDelayMs > 0 ? Math.floor(random() * faults.maxDelayMs) : 0));
}
