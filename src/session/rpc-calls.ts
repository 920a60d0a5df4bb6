// WebRPC as the session service runs it: the caller the cloud attests (app, user, session) handed
// to the RPC service, with the peer's abort signal (a closed socket stops its backend call).
import type { JsonValue } from '../../core/index.js';
import type { RpcRequest, RpcResult } from '../protocol/index.js';
import type { RpcService } from '../rpc/index.js';
import type { Peer } from './peer.js';
import type { SessionStore } from './store.js';

export function rpcCalls(service: RpcService, store: SessionStore): (peer: Peer, request: RpcRequest) => Promise<RpcResult> {
  return async (peer, request) => {
    const hello = peer.hello!;
    const membership = peer.membership;
    const stored = membership ? await store.get(membership.sessionId) : undefined;
    const session = stored && membership ? { id: membership.sessionId, name: stored.session.name, actor: membership.actor } : undefined;
    const caller = {
      appId: hello.appId,
      appVersion: hello.appVersion,
      ...(peer.userId === undefined ? {} : { userId: peer.userId }),
      ...(peer.nickname === undefined ? {} : { nickname: peer.nickname }),
      // Kept as the JSON text the auth provider's answer held (hello-auth.ts), so it parses.
      ...(peer.authCookie === undefined ? {} : { authCookie: JSON.parse(peer.authCookie) as JsonValue }),
      ...(session ? { session } : {}),
    };
    return service.call(peer, caller, request, peer.signal ?? new AbortController().signal);
  };
}
