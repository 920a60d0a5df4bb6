// Schemas of property maps and of the lobby's messages: LIST and LOBBY_SUBSCRIBE (request and
// result) and the LOBBY_UPDATE event. validate.ts and request-schemas.ts put them in their tables.
import {
  PROTOCOL_MAX_LIST_SESSIONS,
  PROTOCOL_MAX_PEERS,
  PROTOCOL_MAX_PROPERTIES,
  PROTOCOL_MAX_PROPERTY_VALUE_CHARS,
  PROTOCOL_MAX_REQUEST_ID,
  PROTOCOL_MAX_STRING_CHARS,
} from './constants.js';
import { EventType, RequestType } from './codes.js';
import type { LobbySubscribeRequest } from './requests.js';
import type { ListResult } from './replies.js';
import type { LobbyUpdateEvent } from './events.js';
import type { LobbySession, Properties, PropertyValue } from './values.js';
import { SchemaError, array, boolean, integer, literal, object, optional, record, string, type Schema } from './schema.js';

export const text = string(PROTOCOL_MAX_STRING_CHARS);

const propertyValue: Schema<PropertyValue> = (value) => {
  if (value === null) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    if (value.length <= PROTOCOL_MAX_PROPERTY_VALUE_CHARS) return value;
    // The rule, not just the types: a long string is the likely mistake.
    throw new SchemaError('', `a value of at most ${PROTOCOL_MAX_PROPERTY_VALUE_CHARS} characters (got ${value.length})`);
  }
  throw new SchemaError('', 'a string, finite number, boolean or nil');
};

export const properties: Schema<Properties> = record(text, propertyValue, PROTOCOL_MAX_PROPERTIES);

const lobbySessions = array(
  object<LobbySession>({
    name: text,
    sessionId: optional(text),
    players: integer(0, PROTOCOL_MAX_PEERS),
    maxPlayers: integer(1, PROTOCOL_MAX_PEERS),
    properties,
  }),
  PROTOCOL_MAX_LIST_SESSIONS,
);

export const listResult = object<ListResult>({ sessions: lobbySessions, more: optional(boolean) });

export const lobbySubscribeRequest = object<LobbySubscribeRequest>({
  type: literal(RequestType.LOBBY_SUBSCRIBE),
  id: integer(1, PROTOCOL_MAX_REQUEST_ID),
  subscribe: optional(boolean),
  filter: optional(properties),
  limit: optional(integer(1, PROTOCOL_MAX_LIST_SESSIONS)),
});

export const lobbyUpdateEvent = object<LobbyUpdateEvent>({
  type: literal(EventType.LOBBY_UPDATE),
  sessions: lobbySessions,
  more: optional(boolean),
});
