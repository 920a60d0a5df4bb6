// The relay fleet: the relay table, the weighted choice, failover and drain, and their metrics.
export * from './constants.js';
export * from './relay-entry.js';
export { chooseRelay, drawWeighted, effectiveLevel, predictedLoadPct, isEligible, isFresh, levelOfPct, type ChoiceOptions, type RelayWant } from './choose.js';
export { createMemoryRelayDirectory, type AcceptOutcome, type AcceptedReport, type MemoryDirectoryOptions, type MemoryRelayDirectory, type RelayDirectory } from './directory.js';
export { relaysToLeave } from './failover.js';
export { createRelayFleet, type FleetStats, type RelayFleet, type RelayFleetOptions, type RelayMover } from './fleet.js';
export { createMemorySessionIndex, type SessionIndex } from './session-index.js';
export { entryOfReport, relayRow, type RelayRow } from './report.js';
export { registerFleetMetrics } from './metrics.js';
