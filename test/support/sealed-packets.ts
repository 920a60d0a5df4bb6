// Test helpers for sealed peer packets: read what a link sent (header, or a handshake body through
// a spy that knows the pair secret), and build client/server links of one pair.
import type { UdpEndpoint } from '../../core/index.js';
import { ClientLink } from '../../client-sdk/peer/client-link.js';
import type { LinkOutput, Via } from '../../client-sdk/peer/link-core.js';
import { readHeader, type PeerHeader, type PeerPacket } from '../../client-sdk/peer/packets.js';
import type { ScheduleConfig } from '../../client-sdk/peer/schedule.js';
import { PairSealer, type PairRole } from '../../client-sdk/peer/sealer.js';
import { ServerLink } from '../../client-sdk/peer/server-link.js';

export const ep = (address: string, port: number): UdpEndpoint => ({ address, port, family: 'IPv4' });
export const SECRET = new Uint8Array(32).fill(7);
export const OTHER_SECRET = new Uint8Array(32).fill(8);
export const schedule: ScheduleConfig = { attemptsLimit: 10, attemptIntervalMs: 500, directFraction: 2 / 3, forceRelay: false };
export const timing = { keepaliveIntervalMs: 2000, peerTimeoutMs: 10_000 };
export const SERVER = 1;
/** Every link made here gets its own handshake counter base, as random ones would be. */
let counterBase = 1000;
export const CLIENT = 2;

export function headerOf(bytes: Uint8Array): PeerHeader {
  const read = readHeader(bytes);
  if (!read.ok) throw new Error(read.error);
  return read.header;
}

export interface SentPacket {
  via: Via;
  bytes: Uint8Array;
  type: number;
}

export const sends = (out: LinkOutput[]): SentPacket[] =>
  out.flatMap((o) => (o.type === 'send' ? [{ via: o.via, bytes: o.bytes, type: headerOf(o.bytes).type }] : []));

export const where = (via: Via): string => (via.path === 'relay' ? 'relay' : `${via.endpoint.address}:${via.endpoint.port}`);

/**
 * Opens a handshake packet (PING, CONNECT, ACCEPT) the way its receiver would, with a fresh spy
 * sealer: anyone holding the pair secret can, which is why paths need the round trips.
 */
export function peek(bytes: Uint8Array, secret = SECRET): PeerPacket {
  const header = headerOf(bytes);
  const receiver: PairRole = header.from === SERVER ? 'client' : 'server';
  const spy = new PairSealer({ role: receiver, self: header.to, peer: header.from, pairSecret: secret, counterBase: 0 });
  const opened = spy.open(bytes);
  if (!opened.ok) throw new Error(`spy could not open: ${opened.reason}`);
  return opened.packet;
}

export function clientLink(
  options: { candidates?: UdpEndpoint[]; schedule?: Partial<ScheduleConfig>; relayAvailable?: boolean; secret?: Uint8Array; self?: number } = {},
): ClientLink {
  return new ClientLink({
    self: options.self ?? CLIENT,
    server: { actor: SERVER, candidates: options.candidates ?? [], pairSecret: options.secret ?? SECRET },
    startedAt: 0,
    schedule: { ...schedule, ...options.schedule },
    timing,
    relayAvailable: options.relayAvailable ?? true,
    counterBase: counterBase++,
  });
}

export function serverLink(
  options: { candidates?: UdpEndpoint[]; schedule?: Partial<ScheduleConfig>; secret?: Uint8Array; learnedAt?: number } = {},
): ServerLink {
  return new ServerLink({
    self: SERVER,
    client: { actor: CLIENT, candidates: options.candidates ?? [], pairSecret: options.secret ?? SECRET },
    learnedAt: options.learnedAt ?? 0,
    schedule: { ...schedule, ...options.schedule },
    timing,
    counterBase: counterBase++,
  });
}

/** The first output of `type`, typed. */
export function first<T extends LinkOutput['type']>(out: LinkOutput[], type: T): Extract<LinkOutput, { type: T }> | undefined {
  return out.find((o): o is Extract<LinkOutput, { type: T }> => o.type === type);
}

export const direct = (endpoint: UdpEndpoint) => ({ path: 'direct', endpoint }) as const;

/** What a scripted peer link sends back for `bytes` (the one packet it sends, or throws). */
export function answer(link: ClientLink | ServerLink, bytes: Uint8Array, via: Via, now = 0): Uint8Array {
  const out = sends(link.receive(bytes, via, now));
  if (out.length === 0) throw new Error('the peer sent nothing back');
  return out[0]!.bytes;
}

/** A client peer's connect for `attempt` (it polls its own schedule up to that attempt). */
export function connectFrom(peer: ClientLink, attempt = 0): Uint8Array {
  let last: Uint8Array | undefined;
  for (let n = 0; n <= attempt; n++) {
    const out = sends(peer.poll(n * 500));
    if (out.length > 0) last = out.at(-1)!.bytes;
  }
  return last!;
}
