// Kept-alive connections of the egress client, one pool per origin and vetted address set: a
// reused socket is already connected to an address the policy vetted, so reuse skips nothing the
// policy checks, and a DNS answer that changes leads to a new pool (and new vetting) instead.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { KEEPALIVE_IDLE_MS, MAX_IDLE_SOCKETS_PER_POOL, MAX_KEEPALIVE_POOLS } from './constants.js';

export interface KeepalivePools {
  /** The pool for calls to `origin` pinned to `addresses`. */
  agentFor(origin: string, https: boolean, addresses: ReadonlyArray<{ address: string }>, maxSockets: number): HttpAgent;
  /** Closes every pooled socket. */
  close(): void;
}

export function createKeepalivePools(): KeepalivePools {
  // Insertion order is use order (a used pool moves to the end): the first is the least recently used.
  const pools = new Map<string, HttpAgent>();
  return {
    agentFor(origin, https, addresses, maxSockets) {
      const key = `${origin} ${addresses.map(({ address }) => address).join(',')}`;
      let agent = pools.get(key);
      if (agent) pools.delete(key);
      else {
        const options = { keepAlive: true, maxSockets, maxFreeSockets: MAX_IDLE_SOCKETS_PER_POOL, timeout: KEEPALIVE_IDLE_MS, scheduling: 'lifo' as const };
        agent = https ? new HttpsAgent(options) : new HttpAgent(options);
      }
      pools.set(key, agent);
      if (pools.size > MAX_KEEPALIVE_POOLS) {
        const [oldest, stale] = pools.entries().next().value as [string, HttpAgent];
        pools.delete(oldest);
        stale.destroy();
      }
      return agent;
    },
    close() {
      for (const agent of pools.values()) agent.destroy();
      pools.clear();
    },
  };
}
