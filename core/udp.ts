// The UDP socket interface every component uses, its node:dgram implementation, endpoint helpers.
import dgram from 'node:dgram';
import { once } from 'node:events';

/** An address and port: what a NAT table, a map key or a log line needs of an endpoint. */
export interface Endpoint {
  address: string;
  port: number;
}

/** An IP endpoint. `family` follows Node's naming. */
export interface UdpEndpoint extends Endpoint {
  family: 'IPv4' | 'IPv6';
}

export type UdpMessageHandler = (data: Buffer, from: UdpEndpoint) => void;

/**
 * The one UDP socket shape every component uses (STUN server, relay, SDK). Implemented over
 * node:dgram here and over the virtual NAT network in `punchthrough/testing`.
 */
export interface UdpSocket {
  /** The bound local endpoint. */
  address(): UdpEndpoint;
  /**
   * Fire-and-forget send. Never throws for network conditions: a send that fails
   * (unreachable, closed socket) is reported to the error handlers and otherwise ignored,
   * because UDP is lossy anyway. `ttl` (IP TTL / IPv6 hop limit) sends this one datagram with a
   * small hop count: it opens the sender's own NAT mapping and expires before the peer's NAT
   * (low-TTL priming); omitted, the system default applies.
   */
  send(data: Uint8Array, port: number, address: string, ttl?: number): void;
  /** Adds a receive handler; returns a function that removes it. */
  onMessage(handler: UdpMessageHandler): () => void;
  /** Adds an error handler (socket-level errors, failed sends); returns its remover. */
  onError(handler: (error: Error) => void): () => void;
  /** Idempotent. Resolves once the socket is closed. */
  close(): Promise<void>;
}

export interface UdpBindOptions {
  type: 'udp4' | 'udp6';
  /** Local address to bind; defaults to all interfaces of the family. */
  address?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** SO_RCVBUF / SO_SNDBUF in bytes, when the platform allows. */
  receiveBufferSize?: number;
  sendBufferSize?: number;
}

/** Creates bound sockets. Injected so tests can use the virtual network. */
export interface UdpSocketFactory {
  bind(options: UdpBindOptions): Promise<UdpSocket>;
}

/** The real thing: node:dgram sockets. */
export function createNodeUdpSocketFactory(): UdpSocketFactory {
  return {
    async bind(options) {
      const socket = dgram.createSocket({
        type: options.type,
        ipv6Only: options.type === 'udp6',
        ...(options.receiveBufferSize ? { recvBufferSize: options.receiveBufferSize } : {}),
        ...(options.sendBufferSize ? { sendBufferSize: options.sendBufferSize } : {}),
      });
      const bindError = once(socket, 'error').then(([error]) => Promise.reject(error as Error));
      socket.bind(options.port ?? 0, options.address);
      await Promise.race([once(socket, 'listening'), bindError]);
      bindError.catch(() => undefined);
      return wrapDgramSocket(socket);
    },
  };
}

/** The TTL a socket is restored to after a low-TTL send: Linux's and macOS's default. */
const DEFAULT_TTL = 64;
/** Sends held while a low-TTL datagram is in flight (one event-loop turn): a burst's worth. */
const MAX_HELD_SENDS = 1024;

function wrapDgramSocket(socket: dgram.Socket): UdpSocket {
  const errorHandlers = new Set<(error: Error) => void>();
  let closed: Promise<void> | undefined;
  const reportError = (error: Error): void => {
    for (const handler of errorHandlers) handler(error);
  };
  // An 'error' listener is always attached, so a socket error can never crash the process.
  socket.on('error', reportError);
  // node:dgram sets the TTL per socket and resolves a send's destination on the next tick, so a
  // low-TTL send holds the socket's other sends until its completion callback has restored the
  // default: every datagram leaves with the TTL it was sent with, whichever link sent it.
  let lowTtlInFlight = 0;
  let inFlightTtl = DEFAULT_TTL;
  const held: { data: Uint8Array; port: number; address: string; ttl: number | undefined }[] = [];
  const sendNow = (data: Uint8Array, port: number, address: string): void => {
    try {
      // No callback on purpose: without one, Node tries a synchronous send (uv_udp_try_send)
      // and skips a completion event per datagram (~2× the packet rate of a busy server).
      // A failed send is then emitted as 'error', which reaches the same handlers.
      socket.send(data, port, address);
    } catch (error) {
      // Synchronous throws: bad port/address arguments from a caller's untrusted input.
      reportError(error as Error);
    }
  };
  const restored = (): void => {
    try {
      socket.setTTL(DEFAULT_TTL);
    } catch (error) {
      reportError(error as Error);
    }
    while (held.length > 0 && lowTtlInFlight === 0) {
      const next = held.shift()!;
      send(next.data, next.port, next.address, next.ttl);
    }
  };
  const sendWithTtl = (data: Uint8Array, port: number, address: string, ttl: number): void => {
    if (lowTtlInFlight === 0) {
      try {
        socket.setTTL(ttl);
      } catch (error) {
        reportError(error as Error);
        return;
      }
      inFlightTtl = ttl;
    }
    lowTtlInFlight++;
    const done = (): void => {
      if (--lowTtlInFlight === 0) restored();
    };
    try {
      socket.send(data, port, address, done);
    } catch (error) {
      reportError(error as Error);
      done();
    }
  };
  const send = (data: Uint8Array, port: number, address: string, ttl: number | undefined): void => {
    if (closed) return;
    if (lowTtlInFlight > 0 && ttl !== inFlightTtl) {
      // UDP is lossy anyway: beyond the cap a held datagram is dropped, never queued without end.
      if (held.length < MAX_HELD_SENDS) held.push({ data, port, address, ttl });
      return;
    }
    if (ttl === undefined) sendNow(data, port, address);
    else sendWithTtl(data, port, address, ttl); // a burst of primes shares one TTL change
  };
  const local = socket.address();
  const bound: UdpEndpoint = {
    address: local.address,
    port: local.port,
    family: local.family === 'IPv6' ? 'IPv6' : 'IPv4',
  };
  return {
    address: () => ({ ...bound }),
    send,
    onMessage(handler) {
      // node:dgram's RemoteInfo already has the UdpEndpoint shape ('IPv4' | 'IPv6' families
      // since Node 18): handing it over avoids an object per datagram on busy servers.
      const listener = handler as (data: Buffer, info: dgram.RemoteInfo) => void;
      socket.on('message', listener);
      return () => socket.off('message', listener);
    },
    onError(handler) {
      errorHandlers.add(handler);
      return () => errorHandlers.delete(handler);
    },
    close() {
      // node:dgram resolves the destination of each send on the next tick and drops the
      // datagram if the handle is closed by then; closing a turn later lets sends made just
      // before close() (a goodbye to every peer) leave.
      closed ??= new Promise<void>((resolve) => {
        setImmediate(() => {
          try {
            socket.close(() => resolve());
          } catch {
            resolve();
          }
        });
      });
      return closed;
    },
  };
}

/** `ip:port`, with IPv6 in brackets, for logs and CLI output. */
export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.address.includes(':')
    ? `[${endpoint.address}]:${endpoint.port}`
    : `${endpoint.address}:${endpoint.port}`;
}

/** Parses `ip:port` or `[ipv6]:port`; returns undefined for anything else. */
export function parseEndpoint(text: string): UdpEndpoint | undefined {
  const match = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([0-9.]+|[^:\s]+):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  const address = match[1]!;
  return { address, port, family: address.includes(':') ? 'IPv6' : 'IPv4' };
}

/** The map key of an endpoint (`address|port`): cheaper than `formatEndpoint`, never shown to anyone. */
export function endpointKey(endpoint: Endpoint): string {
  return `${endpoint.address}|${endpoint.port}`;
}
