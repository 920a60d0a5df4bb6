// Field schemas that requests, replies and events share: request ids, actor numbers, durations,
// endpoints and lobby key lists. request-schemas.ts and validate.ts build their tables from them.
import { PROTOCOL_MAX_DURATION_MS, PROTOCOL_MAX_PROPERTIES, PROTOCOL_MAX_REQUEST_ID } from './constants.js';
import type { WireEndpoint } from './messages.js';
import { array, endpoint, integer, type Schema } from './schema.js';
import { text } from './lobby-schemas.js';

export const requestId = integer(1, PROTOCOL_MAX_REQUEST_ID);
export const actorNumber = integer(1, PROTOCOL_MAX_REQUEST_ID);
export const duration = integer(0, PROTOCOL_MAX_DURATION_MS);
export const wireEndpoint: Schema<WireEndpoint> = endpoint;
export const keyList = array(text, PROTOCOL_MAX_PROPERTIES);
