// Defaults of the batched UDP socket path, with their units and reasons.

/**
 * Receive slot size in bytes: the largest datagram the batched socket accepts. 64 KiB holds
 * every UDP payload (65,507 bytes over IPv4), so nothing real is truncated; a smaller slot
 * (tests, a relay that never forwards more than its max datagram) drops longer datagrams and
 * counts them as truncated.
 */
export const DEFAULT_MAX_DATAGRAM_BYTES = 65_536;

/** The environment variable that overrides `udpIo: 'auto'` (CI runs the suites with `dgram`). */
export const UDP_IO_ENV = 'PUNCHTHROUGH_UDP_IO';

/** The UDP I/O paths: batched (the addon's recvmmsg/sendmmsg loop), dgram (node:dgram), auto. */
export const UDP_IO_MODES = ['auto', 'batched', 'dgram'] as const;

/**
 * The longest receive coalescing window a socket accepts, µs: 10 ms, past which a wait is felt
 * in play (a 60 Hz game's frame is 16.7 ms) rather than saved in CPU.
 */
export const MAX_COALESCE_MICROS = 10_000;
