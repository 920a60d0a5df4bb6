// The relay WebSocket listener's decisions, pure: admit a connection, keep or close one, forward or drop a frame.

/** The bounds a connection is judged by (the listener's options, resolved). */
export interface WsLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly idleTimeoutMs: number;
  readonly bindTimeoutMs: number;
  readonly maxBufferedBytes: number;
}

/** Why a new connection was refused. */
export type WsRefusal = 'total' | 'perAddress';

/** Admits a connection from an address that holds `fromAddress` of the `total` open now. */
export function admitWsConnection(limits: WsLimits, total: number, fromAddress: number): WsRefusal | undefined {
  if (total >= limits.maxConnections) return 'total';
  if (fromAddress >= limits.maxConnectionsPerAddress) return 'perAddress';
  return undefined;
}

/** What the sweep sees of one connection (monotonic ms). */
export interface WsConnectionState {
  readonly openedAtMs: number;
  readonly lastMessageMs: number;
  /** Whether the relay holds a binding at the connection's endpoint. */
  readonly bound: boolean;
}

/** `keep`, or why the connection is closed now: silent too long, or never bound in time. */
export type WsVerdict = 'keep' | 'idle' | 'unbound';

export function judgeWsConnection(limits: WsLimits, connection: WsConnectionState, now: number): WsVerdict {
  if (now - connection.lastMessageMs > limits.idleTimeoutMs) return 'idle';
  if (!connection.bound && now - connection.openedAtMs > limits.bindTimeoutMs) return 'unbound';
  return 'keep';
}

/** A frame goes out unless the socket's unsent bytes already exceed the bound (a slow reader). */
export function wsCanSend(limits: WsLimits, bufferedBytes: number): boolean {
  return bufferedBytes <= limits.maxBufferedBytes;
}

/**
 * The client's address: the TCP peer's, or, when that peer is a trusted reverse proxy, the
 * right-most `X-Forwarded-For` entry (the one the proxy appended; entries left of it are the
 * client's own claims). A header that is absent or empty leaves the proxy's address.
 */
export function wsClientAddress(socketAddress: string, forwardedFor: string | string[] | undefined, trustedProxies: ReadonlySet<string>): string {
  const peer = unmapped(socketAddress);
  if (!trustedProxies.has(peer) || forwardedFor === undefined) return peer;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const last = header.split(',').at(-1)?.trim() ?? '';
  return last.length > 0 && last.length <= 45 && /^[0-9a-fA-F.:]+$/.test(last) ? unmapped(last) : peer;
}

/** An IPv4 client seen by a dual-stack listener (`::ffff:1.2.3.4`) is the IPv4 address it is, as over UDP. */
function unmapped(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}
