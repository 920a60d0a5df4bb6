/**
 * One link's packet protection: its keys (handshake keys from the pair secret, session keys once
 * the X25519 exchange is done), its send counters and its replay windows. `open` is the only
 * door from the network into a link: anything it returns is authentic, fresh and well-formed.
 */
import { openPacket, sealPacket } from './aead.js';
import { generateEphemeral, handshakeKeys, sessionKeys, type EphemeralKeyPair } from './key-schedule.js';
import {
  AEAD_TAG_BYTES,
  bytesEqual,
  HEADER_BYTES,
  isHandshakeType,
  parseBody,
  PeerPacketType,
  readHeader,
  type PeerDropReason,
  type PeerPacket,
} from './packets.js';
import { ReplayWindow } from './replay-window.js';

export type PairRole = 'client' | 'server';

export interface PairSealerInit {
  role: PairRole;
  /** This end's actor number. */
  self: number;
  /** The other end's actor number. */
  peer: number;
  /** The pair's 32-byte secret from the cloud. */
  pairSecret: Uint8Array;
  /** Random u32: handshake counters start at `counterBase × 2^20` (packets.ts, key schedule). */
  counterBase: number;
  /** This link's ephemeral X25519 key pair, when made ahead of time (used once); else made here. */
  ephemeral?: EphemeralKeyPair;
}

export type Opened = { ok: true; packet: PeerPacket; bytes: number } | { ok: false; reason: PeerDropReason };

/** What {@link PairSealer.establish} made of the peer's ephemeral key. */
export type Establish = 'established' | 'same' | 'other' | 'invalid';

interface Direction {
  key: Uint8Array;
  counter: number;
}

/** Handshake counters leave this much room per link object before the next random base. */
const HANDSHAKE_COUNTER_SPACING = 2 ** 20;

/** Packet types each role may receive. */
const RECEIVES: Record<PairRole, ReadonlySet<number>> = {
  client: new Set([PeerPacketType.PING, PeerPacketType.ACCEPT, PeerPacketType.DATA, PeerPacketType.KEEPALIVE, PeerPacketType.DISCONNECT, PeerPacketType.RELIABLE, PeerPacketType.RELIABLE_ACK]),
  server: new Set([PeerPacketType.CONNECT, PeerPacketType.DATA, PeerPacketType.KEEPALIVE, PeerPacketType.DISCONNECT, PeerPacketType.RELIABLE, PeerPacketType.RELIABLE_ACK]),
};

export class PairSealer {
  readonly role: PairRole;
  readonly self: number;
  readonly peer: number;
  readonly ephemeral: EphemeralKeyPair;
  readonly #pairSecret: Uint8Array;
  readonly #handshakeSend: Direction;
  readonly #handshakeReceive: Uint8Array;
  readonly #handshakeWindow = new ReplayWindow();
  #session: { send: Direction; receive: Uint8Array; window: ReplayWindow; peerPublic: Uint8Array } | undefined;

  constructor(init: PairSealerInit) {
    this.role = init.role;
    this.self = init.self;
    this.peer = init.peer;
    this.#pairSecret = init.pairSecret;
    const client = init.role === 'client' ? init.self : init.peer;
    const server = init.role === 'client' ? init.peer : init.self;
    const keys = handshakeKeys(init.pairSecret, client, server);
    const [send, receive] = init.role === 'client' ? [keys.clientToServer, keys.serverToClient] : [keys.serverToClient, keys.clientToServer];
    this.#handshakeSend = { key: send, counter: (init.counterBase >>> 0) * HANDSHAKE_COUNTER_SPACING };
    this.#handshakeReceive = receive;
    this.ephemeral = init.ephemeral ?? generateEphemeral();
  }

  get publicKey(): Uint8Array {
    return this.ephemeral.publicKey;
  }

  /** Whether the session keys exist (the X25519 exchange is done on this end). */
  get established(): boolean {
    return this.#session !== undefined;
  }

  /** Whether `pairSecret` is the one this sealer was made with. */
  hasSecret(pairSecret: Uint8Array): boolean {
    return bytesEqual(pairSecret, this.#pairSecret);
  }

  /**
   * Derives the session keys from the peer's ephemeral public key. The first valid key wins for
   * the link's life: a later, different one (an old link's connect replayed) is `other`.
   */
  establish(peerPublic: Uint8Array): Establish {
    if (this.#session) return bytesEqual(peerPublic, this.#session.peerPublic) ? 'same' : 'other';
    const client = this.role === 'client';
    const keys = sessionKeys({
      own: this.ephemeral,
      peerPublic,
      pairSecret: this.#pairSecret,
      clientPublic: client ? this.publicKey : peerPublic,
      serverPublic: client ? peerPublic : this.publicKey,
      clientActor: client ? this.self : this.peer,
      serverActor: client ? this.peer : this.self,
    });
    if (!keys) return 'invalid';
    const [send, receive] = client ? [keys.clientToServer, keys.serverToClient] : [keys.serverToClient, keys.clientToServer];
    this.#session = { send: { key: send, counter: 0 }, receive, window: new ReplayWindow(), peerPublic: new Uint8Array(peerPublic) };
    return 'established';
  }

  /**
   * Seals a packet this link built. A session packet before {@link establish} is a programming
   * error and throws.
   */
  seal(packet: PeerPacket): Uint8Array {
    const direction = isHandshakeType(packet.type) ? this.#handshakeSend : this.#session?.send;
    if (!direction) throw new Error('session packet before the key exchange');
    const counter = direction.counter++;
    return sealPacket(direction.key, packet, counter);
  }

  /** Opens untrusted bytes. Never throws; every failure is a drop reason. */
  open(bytes: Uint8Array): Opened {
    const read = readHeader(bytes);
    if (!read.ok) return { ok: false, reason: read.error };
    const { header } = read;
    if (!RECEIVES[this.role].has(header.type)) return { ok: false, reason: 'malformed' };
    if (header.from !== this.peer || header.to !== this.self) return { ok: false, reason: 'auth' };
    const handshake = isHandshakeType(header.type);
    const session = this.#session;
    if (!handshake && !session) return { ok: false, reason: 'auth' };
    const key = handshake ? this.#handshakeReceive : session!.receive;
    const window = handshake ? this.#handshakeWindow : session!.window;
    if (!window.check(header.counter)) return { ok: false, reason: 'replay' };
    const body = openPacket(key, bytes, header.counter);
    if (!body) return { ok: false, reason: 'auth' };
    window.mark(header.counter);
    const packet = parseBody(header, body);
    if (!packet) return { ok: false, reason: 'malformed' };
    return { ok: true, packet, bytes: bytes.length };
  }
}

/** Sealed size of a packet with a body of `bodyBytes`. */
export function sealedBytes(bodyBytes: number): number {
  return HEADER_BYTES + bodyBytes + AEAD_TAG_BYTES;
}
