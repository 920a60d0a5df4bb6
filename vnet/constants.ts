// Defaults of the virtual NAT network (punchthrough/testing). Units in the names; the reason for
// each number beside it.

/**
 * How long a NAT mapping lives after the last outbound packet through it. RFC 4787 REQ-5 asks
 * for at least 2 minutes, but many home routers use 30 s for UDP; testing against the shorter
 * common value is what proves that keepalives (the SDK sends them well under 30 s) hold a path.
 */
export const DEFAULT_MAPPING_LIFETIME_MS = 30_000;

/**
 * External ports a NAT allocates from for `sequential` and `random` allocation, and the range
 * a port-preserving NAT falls back to when the internal port is taken: the IANA dynamic range
 * (RFC 6335), which is what most NATs and kernels hand out.
 */
export const DEFAULT_NAT_PORT_MIN = 49_152;
export const DEFAULT_NAT_PORT_MAX = 65_535;

/** Ephemeral ports a host picks from for `bind({ port: 0 })`: the same IANA dynamic range. */
export const EPHEMERAL_PORT_MIN = 49_152;
export const EPHEMERAL_PORT_MAX = 65_535;

/**
 * Largest UDP payload, as the kernel enforces it: 65,535 minus the 8-byte UDP header and the
 * 20-byte IPv4 header (IPv6's 40-byte header is not counted against the payload length field).
 */
export const MAX_UDP_PAYLOAD_IPV4_BYTES = 65_507;
export const MAX_UDP_PAYLOAD_IPV6_BYTES = 65_527;

/** Seed of the network's random source when none is given: fixed, so runs are reproducible. */
export const DEFAULT_SEED = 1;

/**
 * Public addresses handed out when `addHost`/`addNat` on the internet get none: the three
 * documentation ranges (RFC 5737), so an auto-assigned address can never be a real host's.
 */
export const AUTO_PUBLIC_PREFIXES = ['203.0.113.', '198.51.100.', '192.0.2.'] as const;

/**
 * Private addresses handed out behind a NAT that gets none: `10.<n>.0.<host>` where n is the
 * NAT's index (so two NATs' LANs look different in logs) and hosts start at .2 (.1 is the
 * router on real LANs).
 */
export const AUTO_PRIVATE_FIRST_HOST = 2;

/**
 * The NAT behaviour when `addNat` gets no preset: port-restricted cone, what a typical home
 * router (and Linux MASQUERADE) does.
 */
export const DEFAULT_NAT_PRESET = 'port-restricted-cone';

/**
 * The IP TTL of a datagram sent without one: Linux's and macOS's default (net.ipv4.ip_default_ttl),
 * the same value core/udp.ts restores a node:dgram socket to after a low-TTL send.
 */
export const DEFAULT_TTL = 64;

/**
 * Routers a packet crosses on the internet between two attached nodes (two NATs, a NAT and the
 * cloud). One, as in the kernel lab's routed-hop setup (paths.md §1 `hop`): the smallest count
 * at which a TTL-2 prime opens the sender's own NAT and dies before the peer's, which is what
 * low-TTL priming needs. 0 models a shared segment, where it would reach the peer's NAT.
 */
export const DEFAULT_INTERNET_HOPS = 1;

/**
 * Linux conntrack's UDP timeouts (nf_conntrack_udp_timeout and …_udp_timeout_stream): 30 s for
 * an entry that has only seen one direction, 120 s once it is assured (paths.md §4 measured
 * 119–120 s on `[ASSURED]` entries). Used by `LINUX_CONNTRACK_NAT`.
 */
export const LINUX_UNREPLIED_LIFETIME_MS = 30_000;
export const LINUX_ASSURED_LIFETIME_MS = 120_000;

/**
 * Most unreplied entries (unsolicited inbound state) a NAT keeps, as conntrack's table limit
 * (nf_conntrack_max) does: inbound packets are untrusted, and a spray from many remotes must not
 * grow a NAT's table without bound. When full, an unsolicited packet is dropped without state.
 */
export const MAX_UNREPLIED_ENTRIES = 4_096;
