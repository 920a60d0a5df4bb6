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
export {
  createRelayServer,
  type RelayDropCounters,
  type RelayServer,
  type RelayServerOptions,
  type RelayStats,
} from './server.js';
export * from './client/index.js';
export * as relayDefaults from './constants.js';
