// One HTTP exchange on node:http / node:https with a vetted address: the socket connects to that
// address only (DNS already answered and was checked), the body is read up to a cap, any 3xx is
// refused, and the caller can cut it at any moment (deadline, abort, close).
import { Buffer } from 'node:buffer';
import { request as httpRequest, type Agent, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { EgressFailure } from './types.js';
import type { CheckedUrl } from './request-policy.js';

export interface ExchangeInput {
  readonly target: CheckedUrl;
  /** The vetted addresses the socket may connect to, in the resolver's order. */
  readonly addresses: ReadonlyArray<{ address: string; family: 4 | 6 }>;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | undefined;
  readonly maxResponseBytes: number;
  /** Extra trusted CAs (PEM), added to Node's roots. */
  readonly ca: readonly string[] | undefined;
  /** Kept-alive connections to this origin and these addresses (keepalive.ts). */
  readonly agent: Agent;
}

export type ExchangeOutcome =
  | { ok: true; status: number; headers: Record<string, string>; body: Uint8Array }
  | { ok: false; failure: EgressFailure; detail: string };

export interface Exchange {
  readonly result: Promise<ExchangeOutcome>;
  /** Ends the exchange now with this failure (a no-op once it has ended). */
  cut(failure: EgressFailure, detail: string): void;
}

/** Node's headers as one string per name (repeated ones joined as HTTP allows). */
function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Error codes of Node's TLS layer that are about the peer's certificate or the handshake. */
const TLS_CODE = /CERT|SSL|TLS|ALTNAME|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;

/** Starts the exchange. Never throws: a failure to even build the request is a result too. */
export function startExchange(input: ExchangeInput): Exchange {
  let settle!: (outcome: ExchangeOutcome) => void;
  let done = false;
  const result = new Promise<ExchangeOutcome>((resolve) => {
    settle = resolve;
  });
  let request: ClientRequest | undefined;
  let connected = false;
  let secured = false;
  let phase = 'while connecting';
  // A whole answer leaves its socket to the pool; anything else destroys it.
  const finish = (outcome: ExchangeOutcome, keepSocket = false): void => {
    if (done) return;
    done = true;
    settle(outcome);
    if (!keepSocket) request?.destroy();
  };
  const { target } = input;
  // The pin: whatever name the socket layer asks about, the answer is the vetted addresses. Node
  // asks for all of them (autoSelectFamily) and tries them in turn, so a name whose first address
  // is unreachable (IPv6 on an IPv4-only host) still connects — but only ever to a vetted one.
  const first = input.addresses[0]!;
  const lookup = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, input.addresses.map(({ address, family }) => ({ address, family })));
    else callback(null, first.address, first.family);
  }) as unknown as LookupFunction;
  const options: RequestOptions & { servername?: string; ca?: string[] } = {
    method: input.method,
    host: target.host,
    port: target.port,
    path: `${target.url.pathname}${target.url.search}`,
    headers: { ...input.headers, host: target.url.host },
    lookup,
    agent: input.agent,
    // RFC 6066 forbids an IP address as the TLS server name; the certificate is then checked
    // against the IP (the `host`).
    ...(target.https && target.ip === undefined ? { servername: target.host } : {}),
    ...(target.https && input.ca && input.ca.length > 0 ? { ca: [...rootCertificates, ...input.ca] } : {}),
  };
  try {
    request = (target.https ? httpsRequest : httpRequest)(options);
  } catch (error) {
    finish({ ok: false, failure: 'connect', detail: `request not built: ${(error as Error).message}` });
    return { result, cut: () => undefined };
  }
  request.on('socket', (socket: Socket) => {
    // A kept-alive socket is connected (and secured) already.
    if (!socket.connecting) {
      connected = secured = true;
      phase = 'while waiting for the answer';
      return;
    }
    socket.once('connect', () => {
      connected = true;
      phase = target.https ? 'in the TLS handshake' : 'while waiting for the answer';
    });
    socket.once('secureConnect', () => {
      secured = true;
      phase = 'while waiting for the answer';
    });
  });
  request.on('error', (error: NodeJS.ErrnoException) => {
    const code = error.code ?? '';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return finish({ ok: false, failure: 'dns', detail: code });
    const tls = target.https && (TLS_CODE.test(code) || (connected && !secured));
    finish({ ok: false, failure: tls ? 'tls' : 'connect', detail: `${code || 'error'}: ${error.message}`.slice(0, 200) });
  });
  request.on('response', (response: IncomingMessage) => {
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      return finish({ ok: false, failure: 'redirect', detail: `${status} answered; redirects are not followed` });
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > input.maxResponseBytes) {
      return finish({ ok: false, failure: 'tooLarge', detail: `content-length ${declared} > ${input.maxResponseBytes} bytes` });
    }
    phase = 'while reading the body';
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > input.maxResponseBytes) {
        finish({ ok: false, failure: 'tooLarge', detail: `body over ${input.maxResponseBytes} bytes` });
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => {
      finish({ ok: true, status, headers: flatHeaders(response.headers), body: new Uint8Array(Buffer.concat(chunks, size)) }, true);
    });
    response.on('error', (error: NodeJS.ErrnoException) => {
      finish({ ok: false, failure: 'connect', detail: `body cut: ${error.code ?? error.message}` });
    });
    response.on('close', () => {
      if (!response.complete) finish({ ok: false, failure: 'connect', detail: 'connection closed before the body ended' });
    });
  });
  request.end(input.body && input.body.length > 0 ? input.body : undefined);
  return { result, cut: (failure, detail) => finish({ ok: false, failure, detail: `${detail} ${phase}` }) };
}
