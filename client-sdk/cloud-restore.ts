/**
 * What a runner keeps so it can come back to a cloud that lost it (docs/protocols.md, "Cloud loss
 * and rejoin"): its place and rejoin token, the session's settings as they are now (a host
 * restores them), the pair secrets the cloud handed out (a restore token is derived from one),
 * and the addresses it last reported. Pure bookkeeping plus the token derivation.
 */
import { createHash, hkdfSync } from 'node:crypto';
import {
  EventType,
  PROTOCOL_MAX_PEERS,
  RequestType,
  type Event,
  type JoinResult,
  type RequestBody,
  type RestoreRequest,
  type SessionInfo,
} from '../src/protocol/index.js';
import { toWire } from './addresses.js';
import { MAX_RESTORE_SECRETS_PER_PEER } from './constants.js';
import { mergeProperties } from './session-info.js';
import type { PeerDriver } from './peer-driver.js';
import type { ReportedAddresses } from './reflexive-watch.js';

/** HKDF info of the restore token: the token is bound to this purpose only (never a packet key). */
const RESTORE_INFO = 'punchthrough restore token v1';

/** The 32-byte token a client presents to rejoin a restored session, derived from its pair secret. */
export function restoreTokenOf(pairSecret: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', pairSecret, new Uint8Array(0), RESTORE_INFO, 32));
}

/** What the host sends for a client: SHA-256 of its restore token (the cloud learns no token). */
export function restoreProofOf(pairSecret: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(restoreTokenOf(pairSecret)).digest());
}

type ReportBody = Extract<RequestBody, { type: typeof RequestType.REPORT_ADDRESSES }>;

/** The REPORT_ADDRESSES the start sent (creation and joining step 11), to send again after a rejoin. */
export function reportOf(addresses: ReportedAddresses): ReportBody {
  const { local, reflexive, natType } = addresses;
  return { type: RequestType.REPORT_ADDRESSES, local: local.map(toWire), ...(reflexive ? { reflexive: toWire(reflexive) } : {}), natType };
}

/** A pair as the cloud described it: the other end's actor and the secrets handed out for it. */
interface PairRecord {
  actor: number;
  secrets: Uint8Array[];
}

export class RestoreState {
  /** The latest create/join/rejoin/restore reply. */
  joined: JoinResult | undefined;
  /** The session's settings as the last events left them. */
  #session: SessionInfo | undefined;
  readonly #pairs = new Map<string, PairRecord>();
  /** The last addresses reported: reported again after a rejoin. */
  report: ReportBody | undefined;

  entered(result: JoinResult): void {
    this.joined = result;
    this.#session = result.session;
  }

  /** Keeps what a cloud event changes: properties, pair secrets, peers leaving. */
  observe(event: Event): void {
    if (event.type === EventType.PROPERTIES_CHANGED && this.#session) {
      const properties = mergeProperties(this.#session.properties, event.properties);
      if (!properties) return;
      this.#session = { ...this.#session, properties, lobbyKeys: event.lobbyKeys, open: event.open, visible: event.visible };
    } else if (event.type === EventType.PEER_ADDRESSES) {
      // One pair per member at most: a cloud that names endless peers cannot grow this.
      if (!this.#pairs.has(event.peerId) && this.#pairs.size >= PROTOCOL_MAX_PEERS) return;
      const record = this.#pairs.get(event.peerId) ?? { actor: event.actor, secrets: [] };
      if (!record.secrets.some((s) => Buffer.from(s).equals(event.pairSecret))) record.secrets.push(event.pairSecret);
      // Bounded: a cloud that sends a new secret with every event cannot grow this.
      record.secrets.splice(0, Math.max(0, record.secrets.length - MAX_RESTORE_SECRETS_PER_PEER));
      record.actor = event.actor;
      this.#pairs.set(event.peerId, record);
    } else if (event.type === EventType.PEER_LEFT) {
      this.#pairs.delete(event.peerId);
    }
  }

  /** The secret of the pair with `peerId` that `inUse` accepts (the one its link was made with). */
  secretOf(peerId: string, inUse: (secret: Uint8Array) => boolean): { actor: number; secret: Uint8Array } | undefined {
    const record = this.#pairs.get(peerId);
    const secret = record?.secrets.findLast(inUse);
    return record && secret ? { actor: record.actor, secret } : undefined;
  }

  /** The connected peers, each with its actor and the secret its link was made with. */
  pairsOf(driver: Pick<PeerDriver, 'connectedPeers' | 'link'>) {
    return {
      peerIds: driver.connectedPeers(),
      secretFor: (peerId: string) => this.secretOf(peerId, (secret) => driver.link(peerId)?.sealer.hasSecret(secret) ?? false),
    };
  }

  /** The host's RESTORE: its session as it is now, and each client whose link `secretFor` knows. */
  restoreRequest(peers: readonly string[], secretFor: (peerId: string) => { actor: number; secret: Uint8Array } | undefined) {
    const joined = this.joined;
    const session = this.#session;
    if (!joined || !session) return undefined;
    const clients = peers.flatMap((peerId) => {
      const pair = secretFor(peerId);
      return pair ? [{ actor: pair.actor, peerId, proof: restoreProofOf(pair.secret) }] : [];
    });
    const body: Extract<RequestBody, { type: typeof RequestType.RESTORE }> = {
      type: RequestType.RESTORE,
      sessionId: session.sessionId,
      name: session.name,
      peerId: joined.peerId,
      clients: clients.slice(0, Math.max(0, session.maxPlayers - 1)),
      maxPlayers: session.maxPlayers,
      open: session.open,
      visible: session.visible,
      properties: session.properties,
      lobbyKeys: session.lobbyKeys,
      playerTtlMs: session.playerTtlMs,
      emptySessionTtlMs: session.emptySessionTtlMs,
      // The session's plugin and user settings, as the cloud described them: a restore keeps them
      // (an app that requires a plugin would refuse one without its name). The plugin's stored
      // state is not restored: peers never see it (docs/plugins.md, "Takeover and restore").
      ...(session.plugin === undefined ? {} : { plugin: session.plugin }),
      ...(session.publishUserId === undefined ? {} : { publishUserId: session.publishUserId }),
      ...(session.checkUserOnJoin === undefined ? {} : { checkUserOnJoin: session.checkUserOnJoin }),
    };
    return body satisfies Omit<RestoreRequest, 'id'>;
  }
}
