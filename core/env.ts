// The environment every part is made with: clock, logger, UDP sockets and randomness, injected
// so protocol tests run on a manual clock and the virtual network.
import { randomBytes } from 'node:crypto';
import { createRealClock, type Clock } from './clock.js';
import { createSilentLogger, type Logger } from './logger.js';
import { createNodeUdpSocketFactory, type UdpSocketFactory } from './udp.js';

/** Cryptographically strong random bytes (ids, tokens, nonces, keys). */
export type RandomBytes = (size: number) => Uint8Array;

export interface Env {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sockets: UdpSocketFactory;
  readonly random: RandomBytes;
}

/** The real environment (wall clock, node:dgram, node:crypto), with any part replaced. A silent
 *  logger unless one is given: library code never writes to a game's stderr on its own. */
export function createEnv(parts: Partial<Env> = {}): Env {
  return {
    clock: parts.clock ?? createRealClock(),
    logger: parts.logger ?? createSilentLogger(),
    sockets: parts.sockets ?? createNodeUdpSocketFactory(),
    random: parts.random ?? ((size) => randomBytes(size)),
  };
}
