// One STUN Binding transaction over a shared socket: learns the reflexive (public) address.
import { randomBytes } from 'node:crypto';
import {
  createRealClock,
  formatEndpoint,
  PunchthroughError,
  type Clock,
  type TimerHandle,
  type UdpEndpoint,
  type UdpSocket,
} from '../../core/index.js';
import {
  decodeStunMessage,
  encodeStunMessage,
  looksLikeStun,
  StunMethod,
  TRANSACTION_ID_BYTES,
  type StunAddress,
  type StunAttribute,
} from '../codec/index.js';
import { DEFAULT_STUN_RTO_MS, DEFAULT_STUN_LAST_WAIT_RTOS, DEFAULT_STUN_RETRANSMISSIONS } from './constants.js';
import { retransmitSchedule } from './schedule.js';

export interface StunBindingOptions {
  /** Drives the retransmission timers. Default: the real clock. */
  clock?: Clock;
  /** First retransmission timeout in ms; doubles after each retransmit. Default DEFAULT_STUN_RTO_MS (100). */
  initialRtoMs?: number;
  /** Retransmissions after the first request. Default DEFAULT_STUN_RETRANSMISSIONS (4). */
  maxRetransmits?: number;
  /** After the last request, wait this many initial RTOs for an answer. Default DEFAULT_STUN_LAST_WAIT_RTOS (8). */
  lastWaitRtos?: number;
  /** RFC 5780 CHANGE-REQUEST: ask the server to answer from its alternate address and/or port. */
  changeRequest?: { changeIp: boolean; changePort: boolean };
  /** Cancels the transaction: its handler and timer are removed and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The 12-byte transaction id. Default: 12 random bytes (RFC 8489 §6: cryptographically random). */
  transactionId?: Uint8Array;
}

/** The reflexive (public) address the server saw, plus what came with it. */
export interface StunBindingResult extends StunAddress {
  /** Where the response came from (not `server` when a CHANGE-REQUEST was honoured). */
  from: UdpEndpoint;
  /** RFC 5780 RESPONSE-ORIGIN, when the server sent it. */
  responseOrigin?: StunAddress;
  /** RFC 5780 OTHER-ADDRESS: the server's alternate address and port, when it has one. */
  otherAddress?: StunAddress;
  /** Milliseconds from the first request to the response (includes retransmission waits). */
  rttMs: number;
}

/**
 * One STUN Binding transaction over an existing socket that may carry other traffic (the
 * game socket): creation and joining steps 9–10 (docs/connection-process.md) — send the
 * Binding request, learn the reflexive address. Only a response with this transaction's id is
 * consumed; everything else is left to the socket's other handlers. Retransmits per RFC 8489 §6.2.1; rejects with
 * `PunchthroughError('STUN_TIMEOUT')` when no answer comes, `STUN_FAILED` on an error response.
 */
export function stunBinding(
  socket: UdpSocket,
  server: { address: string; port: number },
  options: StunBindingOptions = {},
): Promise<StunBindingResult> {
  const clock = options.clock ?? createRealClock();
  const schedule = retransmitSchedule(
    options.initialRtoMs ?? DEFAULT_STUN_RTO_MS,
    options.maxRetransmits ?? DEFAULT_STUN_RETRANSMISSIONS,
    options.lastWaitRtos ?? DEFAULT_STUN_LAST_WAIT_RTOS,
  );
  const transactionId = options.transactionId ?? randomBytes(TRANSACTION_ID_BYTES);
  const request = encodeStunMessage(
    {
      class: 'request',
      method: StunMethod.binding,
      transactionId,
      attributes: options.changeRequest ? [{ name: 'CHANGE-REQUEST', ...options.changeRequest }] : [],
    },
    { fingerprint: true },
  );
  const { signal } = options;

  return new Promise<StunBindingResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const startedAt = clock.now();
    let timer: TimerHandle | undefined;
    let sent = 0;
    const finish = (): void => {
      removeHandler();
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      reject(signal?.reason);
    };
    const removeHandler = socket.onMessage((data, from) => {
      if (!looksLikeStun(data)) return;
      const decoded = decodeStunMessage(data);
      if (!decoded.ok) return;
      const message = decoded.value;
      if (
        message.method !== StunMethod.binding ||
        (message.class !== 'success' && message.class !== 'error') ||
        !sameBytes(message.transactionId, transactionId)
      ) {
        return;
      }
      if (message.class === 'error') {
        const error = message.attributes.find((a) => a.name === 'ERROR-CODE');
        finish();
        reject(
          new PunchthroughError(
            'STUN_FAILED',
            `STUN server ${formatEndpoint(server)} answered ${error ? `${error.code} ${error.reason}` : 'an error without ERROR-CODE'}`,
          ),
        );
        return;
      }
      const mapped = addressOf(message.attributes, 'XOR-MAPPED-ADDRESS') ?? addressOf(message.attributes, 'MAPPED-ADDRESS');
      if (!mapped) return; // a success without an address is useless; keep waiting for a better one
      finish();
      const responseOrigin = addressOf(message.attributes, 'RESPONSE-ORIGIN');
      const otherAddress = addressOf(message.attributes, 'OTHER-ADDRESS');
      resolve({
        ...mapped,
        from,
        ...(responseOrigin ? { responseOrigin } : {}),
        ...(otherAddress ? { otherAddress } : {}),
        rttMs: clock.now() - startedAt,
      });
    });
    const step = (): void => {
      if (sent === schedule.sendAtMs.length) {
        finish();
        reject(
          new PunchthroughError(
            'STUN_TIMEOUT',
            `No STUN Binding response from ${formatEndpoint(server)} after ${sent} requests in ${schedule.timeoutAtMs} ms`,
          ),
        );
        return;
      }
      socket.send(request, server.port, server.address);
      sent++;
      const nextAt = sent < schedule.sendAtMs.length ? schedule.sendAtMs[sent]! : schedule.timeoutAtMs;
      timer = clock.setTimeout(step, nextAt - schedule.sendAtMs[sent - 1]!);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    step();
  });
}

function addressOf(attributes: readonly StunAttribute[], name: StunAttribute['name']): StunAddress | undefined {
  const attribute = attributes.find((a) => a.name === name);
  return attribute && 'address' in attribute ? { ...attribute.address } : undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
