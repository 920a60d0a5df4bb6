// How the relay client's frames travel: datagrams on the game's UDP socket, or messages on a WebSocket (ws-transport.ts).
import type { UdpSocket } from '../../core/index.js';

/** A carrier of whole relay frames between the client and one relay. */
export interface RelayFrameTransport {
  /** `websocket` or `udp`: which carrier (for events and logs). */
  readonly kind: 'udp' | 'websocket';
  /** Sends one frame; dropped silently when the carrier is down (the client retransmits what matters). */
  send(frame: Uint8Array): void;
  /** Frames from the relay; returns the remover. Frames are views: copy what outlives the call. */
  onFrame(handler: (frame: Uint8Array) => void): () => void;
  /**
   * The carrier came back as a new address at the relay (a WebSocket reopened): the relay knows
   * nothing of this client there, so a bound client binds again. Absent: never happens.
   */
  onReset?(handler: () => void): () => void;
  /** True when a datagram on the shared UDP socket came from the relay (the socket's other users skip it). */
  isFromRelay(from: { address: string; port: number }): boolean;
  /** Releases what the transport opened (a WebSocket); never the shared UDP socket. Idempotent. */
  close(): void;
}

/** Frames as datagrams to and from `relay` on a shared socket (the game's socket). */
export function udpRelayTransport(socket: UdpSocket, relay: { address: string; port: number }): RelayFrameTransport {
  const isFromRelay = (from: { address: string; port: number }): boolean => from.port === relay.port && from.address === relay.address;
  const detachers = new Set<() => void>();
  return {
    kind: 'udp',
    send: (frame) => socket.send(frame, relay.port, relay.address),
    onFrame(handler) {
      const detach = socket.onMessage((data, from) => {
        if (isFromRelay(from)) handler(data);
      });
      detachers.add(detach);
      return () => {
        detachers.delete(detach);
        detach();
      };
    },
    isFromRelay,
    close() {
      for (const detach of detachers) detach();
      detachers.clear();
    },
  };
}
