// Field schemas that requests, replies and events share: request ids, actor numbers, durations,
// endpoints and lobby key lists. request-schemas.ts and validate.ts build their tables from them.
import { PROTOCOL_MAX_DURATION_MS, PROTOCOL_MAX_PROPERTIES, PROTOCOL_MAX_RELAY_WS_URL_CHARS, PROTOCOL_MAX_REQUEST_ID } from './constants.js';
import type { WireEndpoint } from './messages.js';
import { SchemaError, array, endpoint, integer, string, type Schema } from './schema.js';
import { text } from './lobby-schemas.js';

export const requestId = integer(1, PROTOCOL_MAX_REQUEST_ID);
export const actorNumber = integer(1, PROTOCOL_MAX_REQUEST_ID);
export const duration = integer(0, PROTOCOL_MAX_DURATION_MS);
export const wireEndpoint: Schema<WireEndpoint> = endpoint;
export const keyList = array(text, PROTOCOL_MAX_PROPERTIES);

/** A relay grant's `wsUrl`: a ws:// or wss:// URL of at most `PROTOCOL_MAX_RELAY_WS_URL_CHARS`. */
export const relayWsUrl: Schema<string> = (value) => {
  const url = string(PROTOCOL_MAX_RELAY_WS_URL_CHARS, 8)(value);
  if (!/^wss?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) throw new SchemaError('', 'a ws:// or wss:// URL');
  return url;
};
