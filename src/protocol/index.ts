// The signaling protocol (session service ⇄ SDK): message codes and types, close codes, the
// hardened msgpack codec and schema validation. Imported by the SDK through this barrel.
export * from './messages.js';
export {
  createSignalingCodec,
  isDecodeError,
  type DecodeError,
  type SignalingCodec,
} from './codec.js';
export { validateRequest, validateServerMessage, type ValidationError } from './validate.js';
export * from './constants.js';
export { errorReply } from './error-reply.js';
export { Feature, FIRST_RELEASE_CODES, codeForPeer, eventForPeer } from './features.js';
export { AUTH_PARAM_KEY, authData, helloAuth, measureAuthData } from './auth-schemas.js';
export { SchemaError } from './schema.js';
export { boundedJson } from './plugin-event-schema.js';
export { jsonValue } from './json-schema.js';
export { RPC_JSON_DEPTH, RPC_JSON_ITEMS } from './rpc-schemas.js';
