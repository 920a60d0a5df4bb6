// The runner's WebRPC (Photon's OpWebRpc): one RPC request on whichever signaling connection the runner has.
import { PunchthroughError, type JsonValue } from '../core/index.js';
import { PROTOCOL_MAX_RPC_PATH_CHARS, RPC_JSON_DEPTH, RPC_JSON_ITEMS, RequestType, jsonValue } from '../src/protocol/index.js';
import type { Signaling } from './signaling.js';
import type { RpcAnswer, RpcOptions } from './types.js';

const checkParams = jsonValue(RPC_JSON_DEPTH, RPC_JSON_ITEMS);

/** Checks the call here (a clear INVALID_OPTIONS before any traffic), then asks the cloud. */
export async function webRpc(connection: Signaling | Promise<Signaling>, path: string, params: JsonValue | undefined, options: RpcOptions): Promise<RpcAnswer> {
  if (typeof path !== 'string' || path.length === 0 || path.length > PROTOCOL_MAX_RPC_PATH_CHARS) {
    throw new PunchthroughError('INVALID_OPTIONS', `rpc: path must be a string of 1 to ${PROTOCOL_MAX_RPC_PATH_CHARS} characters`);
  }
  if (params !== undefined) {
    try {
      checkParams(params);
    } catch (error) {
      throw new PunchthroughError('INVALID_OPTIONS', `rpc: params must be JSON data (${error instanceof Error ? error.message : 'invalid'})`);
    }
  }
  const signaling = await connection;
  const result = await signaling.request({
    type: RequestType.RPC,
    path,
    ...(params === undefined ? {} : { params }),
    ...(options.sendAuthCookie === undefined ? {} : { sendAuthCookie: options.sendAuthCookie === true }),
  });
  return { resultCode: result.resultCode, ...(result.message === undefined ? {} : { message: result.message }), ...(result.data === undefined ? {} : { data: result.data }) };
}
