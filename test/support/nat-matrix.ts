/**
 * The NAT matrix: every pair of the 9 mapping × filtering behaviours for the server and the
 * client, and the path the connection process must end on, derived from rules (docs/nat-matrix.md
 * shows the derivation and this table).
 */
import { NAT_BEHAVIORS, type NatBehavior } from '../../vnet/index.js';

export interface NatProfile {
  mapping: NatBehavior;
  filtering: NatBehavior;
}

export type ExpectedPath = 'direct' | 'relay';

export interface MatrixCase {
  server: NatProfile;
  client: NatProfile;
  path: ExpectedPath;
  /** The rule (R1–R4) that decides it. */
  rule: string;
}

/** The nine profiles, mapping-major, in the order the docs/nat-matrix.md table lists them. */
export const NAT_PROFILES: readonly NatProfile[] = NAT_BEHAVIORS.flatMap((mapping) =>
  NAT_BEHAVIORS.map((filtering) => ({ mapping, filtering })),
);

const EI: NatBehavior = 'endpoint-independent';
const APD: NatBehavior = 'address-and-port-dependent';

/**
 * The rules. "Reflexive" is the address the STUN server saw. An endpoint-independent mapping
 * shows every peer that address; a dependent one shows each new destination a new port that
 * only that destination learns (a peer-reflexive address, seed step 4).
 */
export function expectedPath(server: NatProfile, client: NatProfile): { path: ExpectedPath; rule: string } {
  const serverEim = server.mapping === EI;
  const clientEim = client.mapping === EI;
  const direct = (yes: boolean, rule: string) => ({ path: yes ? ('direct' as const) : ('relay' as const), rule });
  // R1: both reflexive addresses are valid for the peer; once each side has sent to the other
  // (client connects, server pings), every filter admits the other's reflexive address.
  if (serverEim && clientEim) return direct(true, 'R1');
  // R2: the client's connects come from a new port. The server's filter admits them if it is
  // endpoint-independent, or address-dependent (its pings went to the client's address); the
  // server then answers that peer-reflexive source from its only mapping, which the client sent to.
  if (serverEim) return direct(server.filtering !== APD, 'R2');
  // R3: the mirror: the server's pings come from a new port. The client's filter admits them
  // unless it is address-and-port-dependent; the client learns that source and connects to it,
  // through the mapping the server opened towards the client's reflexive address.
  if (clientEim) return direct(client.filtering !== APD, 'R3');
  // R4: both sides' packets come from ports the other never saw, and each reflexive address
  // only admits the STUN server unless its filter is endpoint-independent. One side must admit
  // the other's first packet (EIF), and the other must then admit the answer, which comes from
  // a port it never sent to but an address it did (not APDF).
  return direct(
    (server.filtering === EI && client.filtering !== APD) || (client.filtering === EI && server.filtering !== APD),
    'R4',
  );
}

/** All 81 cases. */
export const NAT_MATRIX: readonly MatrixCase[] = NAT_PROFILES.flatMap((server) =>
  NAT_PROFILES.map((client) => ({ server, client, ...expectedPath(server, client) })),
);

const SHORT: Record<NatBehavior, string> = {
  'endpoint-independent': 'EI',
  'address-dependent': 'AD',
  'address-and-port-dependent': 'APD',
};

/** `EIM/APDF`-style label of a profile. */
export function profileLabel(profile: NatProfile): string {
  return `${SHORT[profile.mapping]}M/${SHORT[profile.filtering]}F`;
}

/** The docs/nat-matrix.md table: servers down, clients across; D = direct, R = relay, with the rule. */
export function matrixTable(): string {
  const header = `| server ↓ / client → | ${NAT_PROFILES.map(profileLabel).join(' | ')} |`;
  const rule = `|---|${NAT_PROFILES.map(() => ':-:').join('|')}|`;
  const rows = NAT_PROFILES.map((server) => {
    const cells = NAT_PROFILES.map((client) => {
      const { path, rule: r } = expectedPath(server, client);
      return `${path === 'direct' ? 'D' : 'R'} ${r}`;
    });
    return `| **${profileLabel(server)}** | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}

/**
 * The race policy's outcome for a pair (docs/nat-matrix.md, the race table): the relay connect
 * goes out at attempt 0 and is answered before any direct connect (those wait for their low-TTL
 * prime's lead), so every pair connects through the relay at attempt 0; a pair the rules make
 * direct then moves to direct within the direct window, and the others stay on the relay.
 */
export function raceExpected(server: NatProfile, client: NatProfile): { first: ExpectedPath; final: ExpectedPath; rule: string } {
  const { path, rule } = expectedPath(server, client);
  return { first: 'relay', final: path, rule };
}

/** The race table of docs/nat-matrix.md: R→D = relay at attempt 0, then direct; R = relay throughout. */
export function raceMatrixTable(): string {
  const header = `| server ↓ / client → | ${NAT_PROFILES.map(profileLabel).join(' | ')} |`;
  const rule = `|---|${NAT_PROFILES.map(() => ':-:').join('|')}|`;
  const rows = NAT_PROFILES.map((server) => {
    const cells = NAT_PROFILES.map((client) => {
      const { final, rule: r } = raceExpected(server, client);
      return `${final === 'direct' ? 'R→D' : 'R'} ${r}`;
    });
    return `| **${profileLabel(server)}** | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
