// punchthrough/relay: the relay's UDP protocol, its tickets, server and client.
export * from './wire/index.js';
export {
  createTicketIssuer,
  createTicketVerifier,
  deriveRelayKey,
  generateTicketSecret,
  RELAY_KEY_BYTES,
  type IssuedTicket,
  type TicketError,
  type TicketIssuer,
  type TicketIssuerOptions,
  type TicketSecret,
  type TicketVerifier,
  type TicketVerifierOptions,
} from './tickets.js';
export { createRelayServer, type RelayServer, type RelayStream } from './server.js';
export {
  createRelayWebSocketServer,
  type RelayWebSocketOptions,
  type RelayWebSocketServer,
  type RelayWebSocketStats,
} from './ws-server.js';
export type { RelayServerOptions } from './server-options.js';
export type { RelayDropCounters, RelayStats } from './stats.js';
export * from './client/index.js';
export * as relayDefaults from './constants.js';
export {
  MAX_LOAD_LEVEL,
  MAX_RELAY_REPORT_BYTES,
  parseRelayReport,
  parseRelayReportJson,
  RELAY_REGISTRY_KEY,
  relayAssignedKey,
  relayReportKey,
  type RelayLoadInputs,
  type RelayReport,
  type RelayState,
} from './fleet-report.js';
export {
  EMPTY_LOAD_METER,
  IDLE_LOAD_LEVELS,
  PHOTON_CPU_THRESHOLDS,
  controllerLevel,
  loadLevel,
  samplePercents,
  stepLoadMeter,
  type LoadCapacity,
  type LoadLevels,
  type LoadMeterState,
  type LoadSample,
  type LoadThresholds,
} from './load-level.js';
export {
  createFleetReporter,
  type CpuUsage,
  type DrainOutcome,
  type FleetReporter,
  type FleetReporterOptions,
  type RelayReportSink,
} from './fleet-reporter.js';
export { RELAY_REPORT_PATH, createHttpReportSink, relayReportUrl, type HttpReportSinkOptions } from './fleet-http-sink.js';
