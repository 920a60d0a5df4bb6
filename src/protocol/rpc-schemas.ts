// Schemas of WebRPC's request and result (docs/webrpc.md).
import { RequestType } from './codes.js';
import { PROTOCOL_MAX_DEPTH, PROTOCOL_MAX_RPC_PATH_CHARS } from './constants.js';
import { requestId } from './field-schemas.js';
import { jsonValue } from './json-schema.js';
import type { RpcResult } from './replies.js';
import type { RpcRequest } from './requests.js';
import { boolean, integer, literal, object, optional, string } from './schema.js';

/** JSON in an RPC: two levels below the frame's root, the rest of the codec's depth for the data. */
export const RPC_JSON_DEPTH = PROTOCOL_MAX_DEPTH - 2;
/** Values in one RPC's params or data: far more than any real call, far less than a frame could claim. */
export const RPC_JSON_ITEMS = 4_096;

const rpcPath = string(PROTOCOL_MAX_RPC_PATH_CHARS, 1);

export const rpcRequest = object<RpcRequest>({
  type: literal(RequestType.RPC),
  id: requestId,
  path: rpcPath,
  params: optional(jsonValue(RPC_JSON_DEPTH, RPC_JSON_ITEMS)),
  sendAuthCookie: optional(boolean),
});

export const rpcResult = object<RpcResult>({
  path: rpcPath,
  resultCode: integer(-(2 ** 31), 2 ** 31 - 1),
  message: optional(string(1024)),
  data: optional(jsonValue(RPC_JSON_DEPTH, RPC_JSON_ITEMS)),
});
