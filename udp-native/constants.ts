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
