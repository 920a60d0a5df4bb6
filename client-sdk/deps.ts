/**
 * The runner's internal seams to the other parts of punchthrough: the relay client and the STUN
 * client. Defaults are the real implementations; unit tests pass scripted fakes. (Signaling is a
 * public option: `NetworkRunnerOptions.signaling`.)
 */
import { randomBytes } from 'node:crypto';
import type { Clock, Logger, NatReport, PunchthroughError, UdpEndpoint, UdpSocket } from '../core/index.js';
import type { RelayClientState } from '../relay/client/index.js';
import { createCarrierChoosingRelay, type RelayTransportMode } from './relay-transport.js';
import { looksLikeStun } from '../stun-server/codec/index.js';
import { measureNat, stunBinding, type StunBindingResult } from '../stun-server/client/index.js';

/** What the runner needs of a relay client bound over its shared socket. */
export interface RelayPath {
  /** Binds with the ticket; resolves when bound, rejects with a PunchthroughError. */
  bind(): Promise<void>;
  /** Sends to another actor of the session; false when not bound. */
  send(toActor: number, payload: Uint8Array): boolean;
  /** Relayed datagrams, tagged with the sender's actor (authenticated by the relay). */
  onMessage(handler: (fromActor: number, payload: Uint8Array) => void): () => void;
  /** Datagrams from the relay belong to the relay client, not to the runner's packet handler. */
  isFromRelay(from: { address: string; port: number }): boolean;
  /** Unbinds; never closes the shared socket. Idempotent. */
  close(): void;
  /** Errors the relay reports (with the other actor when it names one); absent: none surface. */
  onError?(handler: (error: PunchthroughError, actor: number | undefined) => void): () => void;
  /** Replaces the ticket for the next (re)bind (the cloud re-issued it); absent: tickets are not renewed. */
  setTicket?(ticket: Uint8Array): void;
  /** Binding state changes (`binding` again after `bound`: a rebind); absent: rebinds go unseen. */
  onStateChange?(handler: (state: RelayClientState) => void): () => void;
}

export type RelayConnector = (options: {
  socket: UdpSocket;
  relay: { address: string; port: number };
  ticket: Uint8Array;
  clock: Clock;
  logger: Logger;
  /** The grant's relay WebSocket (docs/protocols.md); absent: UDP only. */
  wsUrl?: string | undefined;
  /** The runner's `relayTransport` option. */
  relayTransport?: RelayTransportMode | undefined;
}) => RelayPath;

/** A Binding answer: the reflexive address, and the server's alternate endpoint when it has one (RFC 5780). */
export type StunAnswer = { address: string; port: number } & Partial<Pick<StunBindingResult, 'family' | 'otherAddress'>>;

/** One STUN Binding transaction over the shared socket: the reflexive address, or a STUN_TIMEOUT rejection. */
export type StunProbe = (socket: UdpSocket, server: UdpEndpoint, options: { clock: Clock; signal: AbortSignal }) => Promise<StunAnswer>;

/**
 * NAT discovery over the shared socket, starting from the start's Binding answer (`first`):
 * per axis what the server allows to measure, and the familiar name.
 */
export type NatProbe = (
  socket: UdpSocket,
  server: UdpEndpoint,
  options: { clock: Clock; signal: AbortSignal; first?: StunAnswer },
) => Promise<NatReport>;

export interface RunnerDeps {
  /** Undefined: no relay path (attempts stay direct). */
  createRelay: RelayConnector | undefined;
  /** Undefined: no reflexive address (local candidates and the relay only). */
  stunBinding: StunProbe | undefined;
  /** Runs after the start's Binding request when the `discoverNat` option is on. */
  discoverNat: NatProbe | undefined;
  /** True for datagrams the STUN client consumes (not counted as dropped peer packets). */
  looksLikeStun: (bytes: Uint8Array) => boolean;
  /** First connect nonce of a pair. */
  randomNonce: () => number;
}

export function defaultDeps(): RunnerDeps {
  return {
    createRelay: createCarrierChoosingRelay,
    stunBinding,
    discoverNat: measureNat,
    looksLikeStun,
    randomNonce: () => randomBytes(4).readUInt32BE(0),
  };
}
