/** Redis key names of cluster mode and the app partition tag (the layout of spec §5, issue 17's brief). */
import { createHash } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The partition tag of an app key: base32 of the first 10 bytes of SHA-1(appKey), 16 characters.
 * Every key of one app carries it in braces, so Redis Cluster can shard by app later and each
 * Function call touches one slot.
 */
export function partitionTag(appKey: string): string {
  const bytes = createHash('sha1').update(appKey).digest().subarray(0, 10);
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** The keys of one app partition (`tag` from partitionTag). */
export const partitionKeys = (tag: string) => ({
  session: (sid: string) => `pt:{${tag}}:s:${sid}`,
  names: `pt:{${tag}}:names`,
  listed: `pt:{${tag}}:listed`,
  joinable: `pt:{${tag}}:joinable`,
  /** Every session of the partition by creation order (the score is `seq`, so ties keep insertion order). */
  all: `pt:{${tag}}:all`,
  seq: `pt:{${tag}}:seq`,
  deadlines: `pt:{${tag}}:deadlines`,
  at: (sid: string) => `pt:{${tag}}:at:${sid}`,
  lock: (sid: string) => `pt:{${tag}}:lk:${sid}`,
  /** Live sessions of the partition (count() sums them over pt:apps). */
  count: `pt:{${tag}}:count`,
});

/** The global pointer sid → tag (immutable while the session lives). */
export const sessionPointer = (sid: string): string => `pt:sid:${sid}`;
/** Set of `{tag}|sid` that have a member on `node` (the reaper's list). */
export const nodeMembersKey = (node: string): string => `pt:nm:${node}`;
/** The node's inbox stream: entries `s` sid, `v` version (0: outside a commit), `d` JSON [[actor, event], …]. */
export const inboxKey = (node: string): string => `pt:in:${node}`;
/** The node's lease (value: its incarnation) and the fence of every write. */
export const leaseKey = (node: string): string => `pt:lease:${node}`;
/** Partitions in use (reaper iteration). */
export const APPS_KEY = 'pt:apps';
/** The reaper's lease. */
export const REAPER_KEY = 'pt:reaper';
/** The operator's statistics: hash node → JSON of its counts and live pairs (stats-share.ts). */
export const STATS_KEY = 'pt:stats';
