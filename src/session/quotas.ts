// The session quotas of one service process: live sessions in all, and per creating address.
import type { Clock } from '../../core/index.js';
import { refuse } from './request-error.js';
import type { SessionStore } from './store.js';

export interface SessionQuotas {
  /** Refuses (LIMIT_EXCEEDED) when this process holds its maximum, or `address` its share. */
  check(address: string): Promise<void>;
  /** Refuses when the process is at its maximum (checked again after a slow hook). */
  checkTotal(): void;
  created(sessionId: string, address: string): void;
  closed(sessionId: string): void;
}

export function createSessionQuotas(clock: Clock, store: SessionStore, limits: { maxSessions: number; maxSessionsPerAddress: number }): SessionQuotas {
  // sessionId → the address that created it; live sessions per address.
  const creators = new Map<string, string>();
  const perAddress = new Map<string, number>();

  const count = (address: string, delta: number): void => {
    const next = (perAddress.get(address) ?? 0) + delta;
    if (next > 0) perAddress.set(address, next);
    else perAddress.delete(address);
  };
  const closed = (sessionId: string): void => {
    const creator = creators.get(sessionId);
    if (creator !== undefined) count(creator, -1);
    creators.delete(sessionId);
  };

  /**
   * A shared store (cluster mode): a session this process created may have been closed by another
   * node (its last member left there, or that node's deadline poller expired it), and only the
   * committing node runs the service's bookkeeping. Before a quota refuses, the sessions counted
   * here that are gone from the store are released. At most once a second: a refusal under a
   * flood must not cost a read per counted session each time.
   */
  let reconciledAt = -Infinity;
  const releaseClosedElsewhere = async (): Promise<void> => {
    if (!store.routesDeliveries || clock.now() - reconciledAt < 1_000) return;
    reconciledAt = clock.now();
    const ids = [...creators.keys()];
    for (let i = 0; i < ids.length; i += 32) {
      await Promise.all(ids.slice(i, i + 32).map(async (id) => ((await store.get(id)) === undefined ? closed(id) : undefined)));
    }
  };

  const checkTotal = (): void => {
    if (creators.size >= limits.maxSessions) refuse('LIMIT_EXCEEDED', `the service holds its maximum of ${limits.maxSessions} sessions`);
  };

  return {
    async check(address) {
      if (creators.size >= limits.maxSessions || (perAddress.get(address) ?? 0) >= limits.maxSessionsPerAddress) await releaseClosedElsewhere();
      checkTotal();
      if ((perAddress.get(address) ?? 0) >= limits.maxSessionsPerAddress) {
        refuse('LIMIT_EXCEEDED', `at most ${limits.maxSessionsPerAddress} live sessions may be created from one address`);
      }
    },
    checkTotal,
    created(sessionId, address) {
      creators.set(sessionId, address);
      count(address, 1);
    },
    closed,
  };
}
