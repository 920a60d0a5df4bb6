// A signaling connector that hands PEER_ADDRESSES to the runner late, by clock time: the other
// end starts its schedule first, as a host whose signaling is faster does (paths.md §2 #7–#9).
import type { Signaling, SignalingConnector } from '../../client-sdk/signaling.js';
import { EventType } from '../../src/protocol/index.js';

export function skewedSignaling(inner: SignalingConnector, delayMs: number): SignalingConnector {
  return async (options) => {
    const signaling = await inner(options);
    const skewed: Signaling = {
      request: (body) => signaling.request(body),
      onEvent: (handler) =>
        signaling.onEvent((event) => {
          if (event.type === EventType.PEER_ADDRESSES) options.clock.setTimeout(() => handler(event), delayMs);
          else handler(event);
        }),
      onClose: (handler) => signaling.onClose(handler),
      get droppedFrames() {
        return signaling.droppedFrames;
      },
      get failedFrames() {
        return signaling.failedFrames;
      },
      close: () => signaling.close(),
    };
    return skewed;
  };
}
