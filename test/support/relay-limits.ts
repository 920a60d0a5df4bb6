// Relay options that take the relay's policing out of the way when many test peers share one
// loopback address: the per-peer game-traffic rates, and the per-address bind bounds.

/** Per-peer packet and byte rates far above anything a test or benchmark sends. */
export const LIFTED_GAME_TRAFFIC_LIMITS = {
  ratePacketsPerSecond: 1e9,
  burstPackets: 1e9,
  rateBytesPerSecond: 1e12,
  burstBytes: 1e12,
} as const;

/** Bindings and bind work per source address: every peer binds from 127.0.0.1. */
export const LIFTED_BIND_LIMITS = {
  maxBindingsPerAddress: 1e9,
  bindWorkPerSecond: 1e9,
  bindWorkBurst: 1e9,
} as const;
