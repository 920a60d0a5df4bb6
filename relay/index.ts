// punchthrough/relay: the relay's UDP protocol, its tickets, server and client.
export * from './protocol/index.js';
export {
  bindProof,
  splitTicket,
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
export {
  createRelayClient,
  type RelayClient,
  type RelayClientOptions,
  type RelayClientState,
  type RelayErrorHandler,
  type RelayMessageHandler,
} from './client.js';
export * as relayDefaults from './constants.js';
