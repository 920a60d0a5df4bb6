// The relay's wire formats: frames and tickets. Pure; importable from any folder.
export {
  RELAY_PROTOCOL_VERSION,
  RELAY_DATA_HEADER_BYTES,
  RELAY_BOUND_BYTES,
  RELAY_KEEPALIVE_BYTES,
  RELAY_ERROR_BYTES,
  RelayFrameType,
  RelayWireError,
  decodeRelayFrame,
  encodeRelayFrame,
  readFrameActor,
  rewriteSendAsDeliver,
  type RelayDecodeError,
  type RelayErrorCode,
  type RelayFrame,
  type RelayFrameTypeName,
} from './frames.js';
export {
  MAX_SESSION_ID_BYTES,
  TICKET_MAC_BYTES,
  TICKET_VERSION,
  encodeTicketBody,
  parseTicket,
  validateTicketClaims,
  type ParsedTicket,
  type TicketClaims,
} from './ticket.js';
