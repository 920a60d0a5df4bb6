/** Redis stream entry ids (`<ms>-<seq>`): parsing and order, for the inbox reader's resume checks and own-order.ts. */

/** A stream entry id as two numbers (milliseconds, sequence), for ordering. */
export type StreamId = readonly [number, number];

/** A stream entry id as two numbers, for ordering; undefined when malformed. */
export function parseStreamId(id: string): StreamId | undefined {
  const match = /^(\d{1,16})-(\d{1,16})$/.exec(id);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** Whether stream id `a` is before `b` (ids from parseStreamId). */
export function streamIdBefore(a: StreamId, b: StreamId): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
