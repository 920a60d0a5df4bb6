// The `lean-join` form of an entry's start: the cloud folds the START event into the create/join
// reply; the SDK hands the runner the same START it would have sent, so both forms take one path.
import { EventType, type ResponseMessage, type StartEvent } from '../src/protocol/index.js';

/** The START a reply carries (`result.start`, lean-join), or undefined for every other reply. */
export function startOfReply(message: ResponseMessage): StartEvent | undefined {
  const { result } = message;
  if (!('start' in result) || !result.start || !('rejoinToken' in result)) return undefined;
  const { session, actor, peerId, mode, start } = result;
  return { type: EventType.START, session, actor, peerId, mode, stunServers: start.stunServers, ...(start.relay ? { relay: start.relay } : {}) };
}
