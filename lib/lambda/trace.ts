import { appendFileSync } from 'node:fs';

/**
 * `npm run bench -- --profile` follows single checkouts hop by hop (scripts/bench/hops.ts says
 * what each point means). Only a stack started with SAGASHOP_TRACE_FILE writes anything: then every
 * point appends one line with a sub-millisecond wall-clock time to that file. Otherwise `traceHop`
 * is undefined and a call site (`traceHop?.(...)`) costs one check.
 */
const traceFile = process.env.SAGASHOP_TRACE_FILE;

export const traceHop: ((point: string, ...ids: string[]) => void) | undefined = traceFile
  ? (point, ...ids) => appendFileSync(traceFile, `${(performance.timeOrigin + performance.now()).toFixed(3)} ${point} ${ids.join(' ')}\n`)
  : undefined;
