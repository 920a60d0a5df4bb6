/** The two roles of a client–server pair: the link each makes and the connection steps each announces. */
import type { NatType } from '../src/protocol/index.js';
import { ClientLink } from './peer/client-link.js';
import type { EphemeralKeyPair } from './peer/key-schedule.js';
import type { LinkTiming } from './peer/link-core.js';
import type { Link, PeerContact } from './peer/link.js';
import type { ScheduleConfig } from './peer/schedule.js';
import type { PairRole } from './peer/sealer.js';
import { ServerLink } from './peer/server-link.js';


/** A link's settings that do not depend on its role. */
export interface LinkSettings {
  self: number;
  schedule: ScheduleConfig;
  timing: LinkTiming;
  counterBase: number;
  ephemeral?: EphemeralKeyPair;
  /** Both ends' reported NAT types (the race policy's rules), `unknown` when not measured. */
  natTypes: { self: NatType; peer: NatType };
}

/** What differs between the roles, in one place instead of branches. */
export interface RoleRules {
  /** The mode of the peers this role pairs with. */
  peerMode: 'client' | 'server';
  /** Connection step announced when a peer's addresses arrive. */
  addressesStep: number;
  /** Connection step announced when a pair connects through the relay. */
  relayAcceptStep: number;
  /** Whether this role pings a new peer's candidates at once (connection step 7). */
  pings: boolean;
  link(settings: LinkSettings, contact: PeerContact, at: number, relayAvailable: boolean): Link;
}

export const ROLES: Record<PairRole, RoleRules> = {
  client: {
    peerMode: 'server',
    addressesStep: 1,
    relayAcceptStep: 11,
    pings: false,
    link: (settings, server, startedAt, relayAvailable) => new ClientLink({ ...settings, server, startedAt, relayAvailable }),
  },
  server: {
    peerMode: 'client',
    addressesStep: 2,
    relayAcceptStep: 10,
    pings: true,
    link: (settings, client, learnedAt) => new ServerLink({ ...settings, client, learnedAt }),
  },
};
