/**
 * The decisions of node membership, pure functions of what Redis answered and the time: is this
 * node's lease still held, may this node act as the reaper yet, which nodes are dead. The loops
 * in membership.ts only carry them out.
 */

/** What one lease refresh learned: the lease is ours, it is gone or someone else's, or Redis did not answer. */
export type RefreshReply = 'held' | 'lost' | 'no-answer';

export interface LeaseState {
  /** The last time (clock ms) Redis confirmed the lease is ours. */
  readonly confirmedAt: number;
}

export type LeaseVerdict = 'held' | 'fenced' | 'unsure';

/**
 * Whether this node may still write. A refresh that found the lease gone or not ours fences at
 * once; without answers the node fences itself once a whole lease period has passed since the
 * last confirmation, because by then Redis has expired the lease and another node may be
 * reaping its members.
 */
export function leaseVerdict(state: LeaseState, reply: RefreshReply, now: number, leaseMs: number): LeaseVerdict {
  if (reply === 'lost') return 'fenced';
  if (reply === 'held') return 'held';
  return now - state.confirmedAt >= leaseMs ? 'fenced' : 'unsure';
}

/** Reads a refresh script's reply (1: extended, 0: not ours), refusing anything else. */
export function refreshReplyOf(reply: unknown): RefreshReply {
  if (reply === 1 || reply === 1n) return 'held';
  if (reply === 0 || reply === 0n) return 'lost';
  return 'no-answer';
}

/**
 * The reaper waits one lease period after its own (re)connection to Redis before condemning
 * anyone: after a Redis restart (or a partition of this node) every lease looks gone until
 * their nodes have had a refresh to put them back.
 */
export function reaperMayAct(connectedAt: number | undefined, now: number, leaseMs: number): boolean {
  return connectedAt !== undefined && now - connectedAt >= leaseMs;
}

/**
 * The nodes to reap: every known node (other than this one) whose lease key is missing.
 * `leases[i]` is the value of node `known[i]`'s lease (null: none). Duplicates and malformed
 * names are ignored.
 */
export function deadNodes(known: readonly string[], leases: readonly (string | null)[], self: string): string[] {
  const dead = new Set<string>();
  known.forEach((node, i) => {
    if (node !== self && isNodeId(node) && leases[i] === null) dead.add(node);
  });
  return [...dead];
}

/** A node id as the CLI accepts it: 1–64 of letters, digits and `._:-`. */
export function isNodeId(value: string): boolean {
  return /^[A-Za-z0-9._:-]{1,64}$/.test(value);
}

/** One member of a node's `nm` set, `{A}|sid`: the partition and the session id, or undefined when malformed. */
export function parseNodeMember(value: string): { partition: string; sessionId: string } | undefined {
  const bar = value.indexOf('|');
  if (bar <= 0 || bar === value.length - 1 || value.length > 200) return undefined;
  const partition = value.slice(0, bar);
  const sessionId = value.slice(bar + 1);
  if (!/^\{[A-Za-z0-9]{1,32}\}$/.test(partition) || !/^[A-Za-z0-9_-]{1,64}$/.test(sessionId)) return undefined;
  return { partition, sessionId };
}
