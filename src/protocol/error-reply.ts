// An error reply as the service sends it: the stable code, its message, and Photon's number.
import { PHOTON_CODES, type ErrorCode, type ErrorDetail } from '../../core/index.js';
import { ReplyType } from './codes.js';
import type { ErrorMessage } from './replies.js';

export function errorReply(code: ErrorCode, message: string, id?: number, detail?: ErrorDetail): ErrorMessage {
  const photonCode = PHOTON_CODES[code];
  return {
    type: ReplyType.ERROR,
    ...(id === undefined ? {} : { id }),
    code,
    message,
    ...(photonCode === undefined ? {} : { photonCode }),
    ...(detail === undefined ? {} : { detail }),
  };
}
