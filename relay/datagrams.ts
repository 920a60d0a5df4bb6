// The relay's datagram handler: the fast path forwards a bound peer's send; the slow path answers binds, keepalives and unbinds.
import { timingSafeEqual } from 'node:crypto';
import { endpointKey, formatEndpoint, type Env, type UdpEndpoint, type UdpMessageHandler, type UdpSocket } from '../core/index.js';
import { admitBind, type Admission } from './admission.js';
import type { Binding, BindingTable } from './bindings.js';
import { takePacket, type ErrorGate, type PeerRates } from './limits.js';
import type { RelayCounters, RelayDropCounters } from './stats.js';
import {
  RELAY_DATA_HEADER_BYTES,
  RELAY_ERROR_BYTES,
  RELAY_PROTOCOL_VERSION,
  RelayFrameType,
  UNBIND_TOKEN_BYTES,
  decodeRelayFrame,
  encodeRelayFrame,
  readFrameActor,
  rewriteSendAsDeliver,
  type RelayErrorCode,
  type RelayFrame,
} from './wire/index.js';

/** What the handler reads and mutates: the relay's state, made once by `createRelayServer`. */
export interface RelayDatagramState {
  /** Sends on the socket of the destination's family (a dual-stack relay has two). */
  readonly socket: Pick<UdpSocket, 'send'>;
  readonly table: BindingTable;
  readonly admission: Admission;
  /** Per-peer packet and byte rates. */
  readonly rates: PeerRates;
  /** The error gate of addresses with no binding. */
  readonly unboundErrors: ErrorGate;
  readonly counters: RelayCounters;
  readonly dropped: RelayDropCounters;
  readonly idleTimeoutMs: number;
  readonly maxDatagramBytes: number;
  readonly errorWindowMs: number;
}

/**
 * The socket's message handler. Everything it uses is read into locals once, here, so the
 * per-datagram path reads closure variables only, as when it lived inside the factory.
 */
export function createRelayDatagramHandler(env: Env, state: RelayDatagramState): UdpMessageHandler {
  const { clock, logger, random } = env;
  const { socket, table, admission, rates, unboundErrors, counters, dropped, idleTimeoutMs, maxDatagramBytes, errorWindowMs } = state;

  /**
   * Error frames obey the no-amplification rule: never larger than the datagram that caused
   * them, and at most one per address per window (per binding when bound, through the gate
   * otherwise).
   */
  const sendError = (to: UdpEndpoint, binding: Binding | undefined, code: RelayErrorCode, actor: number, receivedBytes: number, now: number): void => {
    if (receivedBytes < RELAY_ERROR_BYTES) return;
    if (binding) {
      if (now - binding.lastErrorMs < errorWindowMs) return;
      binding.lastErrorMs = now;
    } else if (!unboundErrors.allow(endpointKey(to), now)) {
      return;
    }
    counters.errorsSent++;
    socket.send(encodeRelayFrame({ type: 'error', code, actor }), to.port, to.address);
  };

  const handleBind = (frame: Extract<RelayFrame, { type: 'bind' }>, from: UdpEndpoint, current: Binding | undefined, length: number, now: number): void => {
    const decision = admitBind(admission, counters, frame, from, now, clock.wallTime());
    switch (decision.action) {
      case 'challenge':
        if (decision.drop) dropped[decision.drop]++;
        counters.challenges++;
        // 18 bytes, answering a bind of at least RELAY_BIND_MIN_BYTES (47): never amplifies.
        socket.send(encodeRelayFrame({ type: 'challenge', cookie: decision.cookie }), from.port, from.address);
        return;
      case 'refuse':
        dropped[decision.drop]++;
        sendError(from, current, decision.code, 0, length, now);
        return;
      case 'drop':
        dropped[decision.drop]++;
        return;
      case 'bound': {
        const { outcome } = decision;
        const { sessionId, actor } = outcome.binding;
        if (outcome.kind === 'new') counters.binds++;
        if (outcome.kind === 'moved') {
          counters.rebinds++;
          logger.debug({ sessionId, actor, from: outcome.from && formatEndpoint(outcome.from), to: formatEndpoint(from) }, 'relay binding moved');
        }
        // A binding that is new or at a new address gets a new unbind token: an address it left
        // (a NAT mapping another host may get) must not be able to end it.
        if (outcome.kind !== 'refreshed') outcome.binding.unbindToken = random(UNBIND_TOKEN_BYTES);
        // The source proved it receives our datagrams; the 18-byte answer is smaller than the bind anyway.
        socket.send(encodeRelayFrame({ type: 'bound', actor, idleTimeoutMs, unbindToken: outcome.binding.unbindToken }), from.port, from.address);
        return;
      }
    }
  };

  /** Everything but a bound peer's well-formed send: binds, keepalives, unbinds, garbage. */
  const slowPath = (data: Buffer, from: UdpEndpoint, binding: Binding | undefined, now: number): void => {
    const decoded = decodeRelayFrame(data);
    if (!decoded.ok) {
      if (decoded.error === 'version') {
        dropped.version++;
        // Same marker nibble, other version: a relay peer from another release; tell it.
        if ((data[0]! & 0xf0) === (RELAY_PROTOCOL_VERSION & 0xf0)) sendError(from, binding, 'UNSUPPORTED_VERSION', 0, data.length, now);
      } else {
        dropped.malformed++;
      }
      return;
    }
    const frame = decoded.value;
    if (frame.type === 'bound' || frame.type === 'deliver' || frame.type === 'keepaliveAck' || frame.type === 'error' || frame.type === 'challenge') {
      // Never answered, so two relays (or a reflected packet) cannot ping-pong.
      dropped.unexpected++;
      return;
    }
    if (binding && !takePacket(binding, rates, now, data.length)) {
      dropped.rateLimited++;
      return;
    }
    switch (frame.type) {
      case 'bind':
        handleBind(frame, from, binding, data.length, now);
        return;
      case 'keepalive':
        if (!binding) break;
        binding.lastSeenMs = now;
        counters.keepalives++;
        data[1] = RelayFrameType.keepaliveAck; // the ack is the keepalive, retyped
        socket.send(data, from.port, from.address);
        return;
      case 'unbind':
        if (!binding) break;
        if (binding.unbindToken.length !== UNBIND_TOKEN_BYTES || !timingSafeEqual(binding.unbindToken, frame.unbindToken)) {
          dropped.unbindRefused++;
          return;
        }
        table.remove(binding);
        counters.unbinds++;
        return;
      case 'send':
        break; // a bound peer's send took the fast path; this one is unbound
    }
    dropped.notBound++;
    sendError(from, undefined, 'NOT_BOUND', 0, data.length, now);
  };

  // Connection steps 5 and 10–13 (docs/connection-process.md): forward a bound peer's frame to
  // its session peer, tagged with the sender's actor. The hot path reads the header in place and
  // rewrites the received buffer into the deliver frame: no decode, no allocation.
  return (data, from) => {
    const now = clock.now();
    if (data.length > maxDatagramBytes) {
      dropped.tooLarge++;
      return;
    }
    const binding = table.lookup(from.address, from.port);
    if (binding === undefined || data.length < RELAY_DATA_HEADER_BYTES || data[0] !== RELAY_PROTOCOL_VERSION || data[1] !== RelayFrameType.send) {
      slowPath(data, from, binding, now);
      return;
    }
    if (!takePacket(binding, rates, now, data.length)) {
      dropped.rateLimited++;
      sendError(from, binding, 'RATE_LIMITED', 0, data.length, now);
      return;
    }
    const toActor = readFrameActor(data);
    const peer = binding.peers.get(toActor);
    if (peer === undefined) {
      // Not a refresh: sends to nobody must not hold a binding (a harvested slot) open.
      dropped.peerNotBound++;
      sendError(from, binding, 'PEER_NOT_BOUND', toActor, data.length, now);
      return;
    }
    binding.lastSeenMs = now;
    rewriteSendAsDeliver(data, binding.actor);
    counters.packetsRelayed++;
    counters.bytesRelayed += data.length;
    socket.send(data, peer.port, peer.address);
  };
}
