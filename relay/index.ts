// punchthrough/relay: the relay's UDP protocol, its tickets, server and client.
export * from './wire/index.js';
export {
  createTicketIssuer,
  createTicketVerifier,
  generateTicketSecret,
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
