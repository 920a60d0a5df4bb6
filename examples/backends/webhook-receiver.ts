// A game backend receiving punchthrough's webhook notifications: it checks each call's Standard
// Webhooks signature, drops a repeat of an event it already handled (same webhook-id: a retry or
// a replay), and keeps each session's events in `seq` order. Run it:
// `PT_SECRET=whsec_… npx tsx examples/backends/webhook-receiver.ts` and point
// `apps.<app>.webhooks.baseUrl` at http://127.0.0.1:8081 (docs/webhooks.md).
import { createServer, type Server } from 'node:http';
import { verified } from './verify-signature.js';

export { verified };

/** A native notification (docs/webhooks.md, "Payloads"): the fields a backend usually reads. */
export interface WebhookEvent {
  type: string;
  id: string;
  time: string;
  appId: string;
  session: { id: string; name: string; seq: number; players: number };
  peer?: { actor: number; userId?: string; nickname?: string };
  data: Record<string, unknown>;
}

export interface WebhookReceiver {
  readonly server: Server;
  /** Every event handled, once each, in arrival order. */
  readonly handled: WebhookEvent[];
  /** Repeats answered 200 and not handled again. */
  readonly duplicates: number;
}

/**
 * A receiver calling `onEvent` once per event id. Answers 200 quickly (the cloud only reads the
 * status): 401 for a bad signature (dead-lettered at once: fix the secret, then replay), 400
 * for a body that is not an event. Keeps the last 100,000 ids: far more than an hour of retries.
 */
export function createWebhookReceiver(secret: string, onEvent: (event: WebhookEvent) => void = () => undefined): WebhookReceiver {
  const seen = new Set<string>();
  const handled: WebhookEvent[] = [];
  let duplicates = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 65_536) chunks.push(chunk);
    });
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (size > 65_536) return void response.writeHead(413).end();
      if (!verified(secret, request.headers, text)) return void response.writeHead(401).end('bad signature');
      const id = String(request.headers['webhook-id']);
      if (seen.has(id)) {
        duplicates += 1;
        return void response.writeHead(200).end('duplicate');
      }
      let event: WebhookEvent;
      try {
        event = JSON.parse(text) as WebhookEvent;
      } catch {
        return void response.writeHead(400).end('not JSON');
      }
      if (typeof event !== 'object' || event === null || typeof event.type !== 'string') return void response.writeHead(400).end('not an event');
      seen.add(id);
      if (seen.size > 100_000) seen.delete(seen.values().next().value!);
      handled.push(event);
      onEvent(event);
      response.writeHead(200).end('ok');
    });
  });
  return {
    server,
    handled,
    get duplicates() {
      return duplicates;
    },
  };
}

// Run directly: log each event.
if (import.meta.url === `file://${process.argv[1]}`) {
  const receiver = createWebhookReceiver(process.env.PT_SECRET ?? '', (event) => {
    console.log(`${event.time} ${event.type} ${event.session.name}#${event.session.seq}${event.peer ? ` actor ${event.peer.actor}` : ''}`);
  });
  receiver.server.listen(Number(process.env.PORT ?? 8081), '127.0.0.1');
}
