/** Limits on the service's HTTP side: TCP connections per client address and the lobby's rate. */
import type { Server } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { HTTP_RATE_LIMIT_ADDRESSES } from '../constants.js';
import { PunchthroughError, fullBucket, takeTokens, type BucketRate, type Clock, type TokenBucket } from '../../core/index.js';
import type { SessionMetrics } from './metrics.js';

/** TCP connections allowed beyond the signaling limits (in total, and per address): room for lobby
 *  requests and health checks, and for the signaling limit to answer with its own close code. */
export const HTTP_CONNECTION_HEADROOM = 1024;
export const HTTP_CONNECTION_HEADROOM_PER_ADDRESS = 16;

/** A matcher for the trusted-proxy list (addresses or CIDR ranges, IPv4 or IPv6). */
export function proxyMatcher(proxies: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of proxies) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (!address || isIP(address) === 0) {
      throw new PunchthroughError('INVALID_OPTIONS', `trustedProxies: "${entry}" is not an address or CIDR range`);
    }
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number.parseInt(bits, 10), family);
  }
  return (address) => {
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    const kind = isIP(plain);
    return kind !== 0 && list.check(plain, kind === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * Closes a TCP connection at once when its address already holds `maxPerAddress` (trusted
 * proxies excepted: every client behind them shares their address). Half-open requests from one
 * address cannot then use up the process's file descriptors.
 */
export function guardTcpConnections(server: Server, proxies: readonly string[], maxPerAddress: number, metrics: SessionMetrics): void {
  const trusted = proxyMatcher(proxies);
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    if (trusted(address)) return;
    const count = open.get(address) ?? 0;
    if (count >= maxPerAddress) {
      metrics.connectionsRefused.inc({ reason: 'http_too_many_from_address' });
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

/** A per-address token bucket for HTTP requests; remembers a bounded number of addresses. */
export function createHttpRateLimit(clock: Clock, ratePerSecond: number, burst: number): (address: string) => boolean {
  const rate: BucketRate = { perSecond: ratePerSecond, burst };
  const buckets = new Map<string, TokenBucket>();
  return (address) => {
    const now = clock.now();
    const bucket = buckets.get(address) ?? fullBucket(rate, now);
    const allowed = takeTokens(bucket, rate, now);
    buckets.delete(address);
    // Oldest-first eviction: the Map keeps insertion order, and each use re-inserts.
    if (buckets.size >= HTTP_RATE_LIMIT_ADDRESSES) buckets.delete(buckets.keys().next().value!);
    buckets.set(address, bucket);
    return allowed;
  };
}
