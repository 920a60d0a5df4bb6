/**
 * Session deadlines in cluster mode: the store's commit keeps each partition's
 * `pt:{A}:deadlines` zset (sid → next deadline, epoch ms), so arming here is a no-op; every node
 * polls the due entries and expires them. Two nodes expiring the same session is harmless: the
 * second finds nothing due (its compare-and-set re-reads).
 */
import type { Env } from '../../core/index.js';
import type { DeadlineScheduler } from '../session/presence.js';
import { DEADLINE_APPS_REFRESH_MS, DEADLINE_BATCH, DEADLINE_POLL_MS, DEADLINE_RETRY_MS, MAX_PARTITIONS, REDIS_COMMAND_TIMEOUT_MS } from './constants.js';
import { APPS_KEY, partitionKeys } from './keys.js';
import { createCaller, type RedisCommander } from './redis-calls.js';

export interface RedisDeadlinesOptions {
  commands: RedisCommander;
  onDue(sessionId: string): void;
}

export interface ClusterDeadlines extends DeadlineScheduler {
  /** One poll now (the timer calls it every DEADLINE_POLL_MS); resolves when its onDue calls are made. */
  poll(): Promise<void>;
  stats(): { polls: number; due: number; errors: number };
}

/** A partition tag as stored in `pt:apps` (with or without its braces); undefined when malformed. */
export function partitionOf(member: unknown): string | undefined {
  if (typeof member !== 'string') return undefined;
  const bare = member.startsWith('{') && member.endsWith('}') ? member.slice(1, -1) : member;
  return /^[A-Za-z0-9]{1,32}$/.test(bare) ? bare : undefined;
}

/**
 * Which due sessions to hand to onDue now: not one handed over for the same deadline within the
 * retry time (an expiry in flight, or one that changed nothing, must not spin every poll).
 * Updates `recent` (sid → [deadline, when handed]) and prunes it of entries past the retry time.
 */
export function dueNow(found: ReadonlyArray<readonly [string, number]>, recent: Map<string, readonly [number, number]>, now: number, retryMs: number): string[] {
  for (const [sid, [, at]] of recent) if (now - at >= retryMs) recent.delete(sid);
  const out: string[] = [];
  for (const [sid, deadline] of found) {
    const last = recent.get(sid);
    if (last && last[0] === deadline) continue;
    recent.set(sid, [deadline, now]);
    out.push(sid);
  }
  return out;
}

export function createRedisDeadlines(env: Env, options: RedisDeadlinesOptions): ClusterDeadlines {
  const { clock, logger } = env;
  const { call } = createCaller(options.commands, REDIS_COMMAND_TIMEOUT_MS);
  const recent = new Map<string, readonly [number, number]>();
  let partitions: string[] = [];
  let appsReadAt = -Infinity;
  let closed = false;
  let polling = false;
  let polls = 0;
  let due = 0;
  let errors = 0;

  const readPartitions = async (now: number): Promise<string[]> => {
    if (now - appsReadAt < DEADLINE_APPS_REFRESH_MS) return partitions;
    const reply = await call(['SRANDMEMBER', APPS_KEY, String(MAX_PARTITIONS)]);
    partitions = Array.isArray(reply) ? reply.map(partitionOf).filter((p): p is string => p !== undefined) : [];
    appsReadAt = now;
    return partitions;
  };

  const poll = async (): Promise<void> => {
    if (closed || polling) return;
    polling = true;
    polls += 1;
    try {
      const now = clock.now();
      const found: Array<readonly [string, number]> = [];
      for (const tag of await readPartitions(now)) {
        const reply = await call(['ZRANGEBYSCORE', partitionKeys(tag).deadlines, '-inf', String(now), 'WITHSCORES', 'LIMIT', '0', String(DEADLINE_BATCH)]);
        if (!Array.isArray(reply)) continue;
        for (const item of reply) {
          // RESP3: [member, score] pairs.
          if (!Array.isArray(item) || typeof item[0] !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(item[0])) continue;
          const score = Number(item[1]);
          if (Number.isFinite(score)) found.push([item[0], score]);
        }
      }
      for (const sid of dueNow(found, recent, now, DEADLINE_RETRY_MS)) {
        if (closed) return;
        due += 1;
        options.onDue(sid);
      }
    } catch (error) {
      errors += 1;
      logger.warn({ err: error }, 'deadline poll failed');
    } finally {
      polling = false;
    }
  };

  const timer = clock.setInterval(() => void poll(), DEADLINE_POLL_MS);
  return {
    // The commit writes the zset (from nextDeadline of the state it stores): nothing to do here.
    arm() {},
    close() {
      closed = true;
      clock.clearInterval(timer);
    },
    poll,
    stats: () => ({ polls, due, errors }),
  };
}
