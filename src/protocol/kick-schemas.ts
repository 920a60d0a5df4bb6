// Schemas of the kick request, the kicked event and the connection token (Fusion's Disconnect,
// ConnectionToken): kept beside validate.ts and request-schemas.ts, which hold the tables they join.
import { PROTOCOL_MAX_CONNECTION_TOKEN_BYTES, PROTOCOL_MAX_KICK_MESSAGE_CHARS, PROTOCOL_MAX_REQUEST_ID, PROTOCOL_MAX_STRING_CHARS } from './constants.js';
import { EventType, KICKED_REASONS, KICK_REASONS, RequestType, type KickedEvent, type KickRequest } from './messages.js';
import { bytes, integer, literal, object, oneOf, optional, string, type Schema } from './schema.js';

const text = string(PROTOCOL_MAX_STRING_CHARS);
const actorNumber = integer(1, PROTOCOL_MAX_REQUEST_ID);
const kickMessage = string(PROTOCOL_MAX_KICK_MESSAGE_CHARS);

/** A join's (and a server's address event's) connection token: binary, bounded. */
export const connectionToken: Schema<Uint8Array> = bytes(PROTOCOL_MAX_CONNECTION_TOKEN_BYTES);

export const kickRequest: Schema<KickRequest> = object<KickRequest>({
  type: literal(RequestType.KICK),
  id: integer(1, PROTOCOL_MAX_REQUEST_ID),
  actor: optional(actorNumber),
  peerId: optional(text),
  reason: optional(oneOf(KICK_REASONS)),
  message: optional(kickMessage),
});

export const kickedEvent: Schema<KickedEvent> = object<KickedEvent>({
  type: literal(EventType.KICKED),
  sessionId: text,
  reason: oneOf(KICKED_REASONS),
  message: kickMessage,
});
