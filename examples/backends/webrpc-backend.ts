// A game backend for punchthrough's WebRPC, in Photon's format: it checks each call's Standard
// Webhooks signature, then answers by method. Run it: `PT_SECRET=whsec_… npx tsx examples/backends/webrpc-backend.ts`
// and point `apps.<app>.rpc.http.baseUrl` at http://127.0.0.1:8080 (docs/webrpc.md).
import { createServer, type Server } from 'node:http';
import { verified } from './verify-signature.js';

export { verified };

/** Photon's answer: ResultCode (0 = ok, anything else is the game's own), Message, Data. */
export interface WebRpcAnswer {
  ResultCode: number;
  Message?: string;
  Data?: unknown;
}

/** Photon's body: AppId, AppVersion, Region, UserId set by the cloud; the client's map at the root, or RpcParams. */
export type WebRpcMethod = (body: Record<string, unknown>, query: URLSearchParams) => WebRpcAnswer;

export function createWebRpcBackend(secret: string, methods: Readonly<Record<string, WebRpcMethod>>): Server {
  return createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const answer = (status: number, body: WebRpcAnswer) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (!verified(secret, request.headers, text)) return answer(401, { ResultCode: 401, Message: 'bad signature' });
      const url = new URL(request.url ?? '/', 'http://backend');
      const method = methods[url.pathname.split('/').at(-1) ?? ''];
      if (!method) return answer(200, { ResultCode: 404, Message: `no method ${url.pathname}` });
      answer(200, method(JSON.parse(text) as Record<string, unknown>, url.searchParams));
    });
  });
}

// Run directly: a shop with one method.
if (import.meta.url === `file://${process.argv[1]}`) {
  const backend = createWebRpcBackend(process.env.PT_SECRET ?? '', {
    GetGameList: (body) => ({ ResultCode: 0, Data: { games: [], for: body.UserId } }),
  });
  backend.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
}
