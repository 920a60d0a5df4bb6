// Range checks of a factory's numeric options: INVALID_OPTIONS naming the option, before anything starts.
import { PunchthroughError } from './errors.js';

/** Node turns a timer delay above this into 1 ms (with a warning): a periodic timer would then run constantly. */
export const MAX_TIMER_MS = 2_147_483_647;

/** An option's integers, inclusive. */
export type IntegerRange = readonly [min: number, max: number];

/** A count, size, rate or duration: 0 would refuse, drop or expire everything. */
export const POSITIVE: IntegerRange = [1, Number.MAX_SAFE_INTEGER];

/** A UDP or TCP port; 0 picks a free one. */
export const PORT: IntegerRange = [0, 65_535];

/** The keys of an options type whose values are numbers: a range table over them misses none. */
export type NumericOptionKeys<T> = { [K in keyof T]-?: T[K] extends number | undefined ? K : never }[keyof T];

/** Throws INVALID_OPTIONS for the first option of `ranges` that is set to anything but an integer in its range. */
export function checkIntegerOptions(factory: string, options: object, ranges: Readonly<Record<string, IntegerRange>>, prefix = ''): void {
  for (const [name, [min, max]] of Object.entries(ranges)) {
    const value: unknown = (options as Record<string, unknown>)[name];
    if (value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max)) continue;
    throw new PunchthroughError('INVALID_OPTIONS', `${factory}: ${prefix}${name} must be an integer in ${min}..${max}, got ${typeof value === 'number' ? value : typeof value}`);
  }
}
