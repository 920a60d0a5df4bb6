// A real local HTTP(S) receiver for tests of outbound calls (auth providers, plugins, webhooks):
// node:http / node:https on 127.0.0.1:0 (or ::1), recording every request, checking Standard
// Webhooks signatures with the independent `standardwebhooks` package, and answering as scripted
// (JSON, delays, slow-loris trickle, huge bodies, redirects, resets, invalid JSON).
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

const TLS_DIR = new URL('../fixtures/tls/', import.meta.url);
/** The receiver's self-signed certificate (PEM): pass it in `egress.ca` to trust the receiver. */
export const TEST_CA_PEM = readFileSync(new URL('localhost.cert.pem', TLS_DIR), 'utf8');
const TEST_KEY_PEM = readFileSync(new URL('localhost.key.pem', TLS_DIR), 'utf8');

/** Largest request body recorded, bytes (the rest is read and dropped). */
const MAX_RECORDED_BODY_BYTES = 1024 * 1024;

/** How the receiver answers one request. */
export type ReceiverAnswer =
  /** A JSON body (default status 200). */
  | { kind: 'json'; body: unknown; status?: number; headers?: Record<string, string>; delayMs?: number }
  /** A status with a plain-text body (default empty). */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string>; delayMs?: number }
  /** 200 with a body that is not JSON. */
  | { kind: 'invalidJson'; delayMs?: number }
  /** A redirect to `location` (default status 302). */
  | { kind: 'redirect'; location: string; status?: number; delayMs?: number }
  /** 200 headers, then one `chunk` every `intervalMs` until the client goes away (slow-loris). */
  | { kind: 'trickle'; intervalMs: number; chunk?: string }
  /** 200 with `bytes` bytes of body; `declareLength` sends content-length (else chunked). */
  | { kind: 'huge'; bytes: number; declareLength?: boolean }
  /** 200 headers announcing a body, a few bytes of it, then a TCP reset. */
  | { kind: 'resetAfterHeaders' }
  /** Never answers (the client's deadline must end it). */
  | { kind: 'hang' };

/** What `standardwebhooks` made of the request's signature. */
export interface SignatureCheck {
  /** The request had all three webhook-* headers. */
  readonly present: boolean;
  /** Indexes of the receiver's secrets that verify the request (each alone). */
  readonly validWith: readonly number[];
  /** The space-separated entries of `webhook-signature`. */
  readonly entries: readonly string[];
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
  readonly signature: SignatureCheck;
}

export interface ReceiverOptions {
  /** HTTPS with the test certificate (default) or plain HTTP. */
  tls?: boolean;
  /** Address to listen on. Default 127.0.0.1. */
  host?: '127.0.0.1' | '::1';
  /** Secrets (`whsec_…`) the signature is checked with. */
  secrets?: readonly string[];
  /** Answer 401 (without calling the script) when no secret verifies the request. Default false. */
  requireSignature?: boolean;
  /** Port to listen on (a receiver restarted where it was). Default: a free one. */
  port?: number;
}

export interface TestReceiver {
  /** `https://127.0.0.1:<port>` (no trailing slash); append a path. */
  readonly url: string;
  /** `https://localhost:<port>`: for tests of DNS names (the certificate names localhost too). */
  readonly localhostUrl: string;
  readonly port: number;
  /** The certificate to trust (PEM), for `egress.ca`. */
  readonly ca: string;
  /** Every request received, in order (including ones answered 401). */
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far, and those still open. */
  connections(): { accepted: number; open: number };
  /** Answers the next requests with these, in order; afterwards the default answer. */
  answerNext(...answers: ReceiverAnswer[]): void;
  /** Sets the default answer (a fixed one or a function of the request). */
  answer(answer: ReceiverAnswer | ((request: RecordedRequest) => ReceiverAnswer)): void;
  /** Resolves when `count` requests have been received. */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

function checkSignature(secrets: readonly string[], body: Buffer, headers: Record<string, string>): SignatureCheck {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  const present = id !== undefined && timestamp !== undefined && signature !== undefined;
  const validWith: number[] = [];
  if (present) {
    secrets.forEach((secret, i) => {
      try {
        new Webhook(secret).verify(body.toString('utf8'), { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature });
        validWith.push(i);
      } catch {
        // This secret does not verify it.
      }
    });
  }
  return { present, validWith, entries: signature ? signature.split(' ') : [] };
}

function flatHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Starts a receiver on a free port. */
export async function startReceiver(options: ReceiverOptions = {}): Promise<TestReceiver> {
  const tls = options.tls ?? true;
  const host = options.host ?? '127.0.0.1';
  const secrets = options.secrets ?? [];
  const requests: RecordedRequest[] = [];
  const queued: ReceiverAnswer[] = [];
  let fallback: ReceiverAnswer | ((request: RecordedRequest) => ReceiverAnswer) = { kind: 'json', body: { ok: true } };
  const waiters: Array<() => void> = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  const later = (ms: number, action: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };

  const play = (answer: ReceiverAnswer, response: ServerResponse): void => {
    switch (answer.kind) {
      case 'json': {
        const body = JSON.stringify(answer.body);
        response.writeHead(answer.status ?? 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...answer.headers });
        response.end(body);
        return;
      }
      case 'status':
        response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        response.end(answer.body ?? '');
        return;
      case 'invalidJson':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"ResultCode": 1, oops');
        return;
      case 'redirect':
        response.writeHead(answer.status ?? 302, { location: answer.location });
        response.end();
        return;
      case 'trickle': {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('[');
        const interval = setInterval(() => response.write(answer.chunk ?? ' '), answer.intervalMs);
        response.on('close', () => clearInterval(interval));
        return;
      }
      case 'huge': {
        response.writeHead(200, { 'content-type': 'application/json', ...(answer.declareLength ? { 'content-length': answer.bytes } : {}) });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let left = answer.bytes;
        const pump = (): void => {
          while (left > 0) {
            const part = chunk.subarray(0, Math.min(left, chunk.length));
            left -= part.length;
            if (!response.write(part)) return void response.once('drain', pump);
          }
          response.end();
        };
        response.on('close', () => {
          left = 0;
        });
        pump();
        return;
      }
      case 'resetAfterHeaders':
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
        response.write('{"Result');
        // A reset needs the raw TCP socket (a TLS socket cannot send one).
        later(20, () => {
          const raw = [...sockets].find((socket) => socket.remotePort === response.socket?.remotePort);
          (raw ?? response.socket)?.resetAndDestroy();
        });
        return;
      case 'hang':
        return;
    }
  };

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_RECORDED_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(request.url ?? '/', 'http://receiver');
      const headers = flatHeaders(request);
      const text = body.toString('utf8');
      const recorded: RecordedRequest = {
        method: request.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body,
        text,
        json: parseJson(text),
        signature: checkSignature(secrets, body, headers),
      };
      requests.push(recorded);
      for (const wake of waiters.splice(0)) wake();
      if (options.requireSignature && recorded.signature.validWith.length === 0) {
        play({ kind: 'status', status: 401, body: 'bad signature' }, response);
        return;
      }
      const answer = queued.shift() ?? (typeof fallback === 'function' ? fallback(recorded) : fallback);
      const delayMs = 'delayMs' in answer ? (answer.delayMs ?? 0) : 0;
      if (delayMs > 0) later(delayMs, () => play(answer, response));
      else play(answer, response);
    });
  };

  const server: Server = tls ? createHttpsServer({ cert: TEST_CA_PEM, key: TEST_KEY_PEM }, onRequest) : createHttpServer(onRequest);
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client that gives up mid-handshake is normal in these tests.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = tls ? 'https' : 'http';
  return {
    url: `${scheme}://${host === '::1' ? '[::1]' : host}:${port}`,
    localhostUrl: `${scheme}://localhost:${port}`,
    port,
    ca: TEST_CA_PEM,
    requests,
    connections: () => ({ accepted, open: sockets.size }),
    answerNext: (...answers) => void queued.push(...answers),
    answer: (answer) => {
      fallback = answer;
    },
    async waitForRequests(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver: ${requests.length} of ${count} requests after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return requests.slice(0, count);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
