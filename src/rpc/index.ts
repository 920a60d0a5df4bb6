// WebRPC (a peer asks the cloud to call the game's backend): paths, bodies, configuration, the service.
export type { RpcAnswerValue, RpcConfig, RpcContext, RpcHandler, RpcHttpConfig } from './types.js';
export { validateRpcConfig } from './config.js';
export { createRpcService, methodAllowed, type RpcCaller, type RpcService, type RpcServiceOptions } from './service.js';
export { expandUrlTags, parseRpcPath, rpcTarget } from './path.js';
export { readRpcAnswer, rpcBody } from './body.js';
