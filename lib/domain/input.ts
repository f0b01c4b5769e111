import { invalidInput } from './errors';

// Every stored number stays an exact JavaScript integer (and an exact Lua double).
export const MAX_VALUE = Number.MAX_SAFE_INTEGER;
export const MAX_ID_LENGTH = 64;
// The largest batch_init accepted: a bigger one would hold one Lambda invocation too long.
export const MAX_BATCH = 1_000_000;

const ID_SHAPE = /^[A-Za-z0-9_-]+$/;
const DIGITS = /^[0-9]+$/;

export function parseId(raw: string | undefined, name: string): string {
  if (raw === undefined || raw === '') throw invalidInput(`${name} is missing.`);
  if (raw.length > MAX_ID_LENGTH) throw invalidInput(`${name} is longer than ${MAX_ID_LENGTH} characters.`);
  if (!ID_SHAPE.test(raw)) throw invalidInput(`${name} may contain only letters, digits, '-' and '_'.`);
  return raw;
}

/** A whole number in [min, max], written in plain decimal digits. */
export function parseInteger(raw: string | undefined, name: string, min: number, max = MAX_VALUE): number {
  if (raw === undefined || raw === '') throw invalidInput(`${name} is missing.`);
  if (!DIGITS.test(raw)) throw invalidInput(`${name} must be a whole number of at least ${min}, written in digits.`);
  const value = raw.length > 17 ? Infinity : Number(raw);
  if (value > max) throw invalidInput(`${name} must be at most ${max}.`);
  if (value < min) throw invalidInput(`${name} must be at least ${min}.`);
  return value;
}

/** An amount of stock, credit or quantity that changes something: at least 1. */
export const parseAmount = (raw: string | undefined, name: string) => parseInteger(raw, name, 1);
/** A price or starting balance: may be 0. */
export const parseBalance = (raw: string | undefined, name: string) => parseInteger(raw, name, 0);
export const parseBatchSize = (raw: string | undefined, name: string) => parseInteger(raw, name, 1, MAX_BATCH);
