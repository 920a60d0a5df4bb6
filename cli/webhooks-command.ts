// The `webhooks` command: `webhooks tail` follows the cloud's webhook delivery attempts through
// its admin API (GET /v1/admin/deliveries), one line per new attempt.
import { ADMIN_TOKEN_ENV, DEFAULT_TAIL_INTERVAL_MS } from './constants.js';
import { ExitCode, UsageError, intFlag, parseFlags, writeJson, type CliCommand, type CliIo } from './io.js';

const usage = `Usage: punchthrough webhooks tail --cloud URL [--token T] [--app-id ID] [--session ID]
                                [--interval MS] [--once] [--json]

Follows what the cloud sends to the game's backend: every webhook delivery attempt (event id,
type, session, seq, path, HTTP status or failure, ms, attempt, the start of the answer), as it
happens. Needs the cloud's admin token (punchthrough cloud --admin-token / ${ADMIN_TOKEN_ENV}).

Options:
  --cloud URL      the cloud's session service, e.g. http://127.0.0.1:7070 (required)
  --token T        the admin token (default: ${ADMIN_TOKEN_ENV}; the variable keeps it out of
                   the process list)
  --app-id ID      only this app's deliveries
  --session ID     only this session's deliveries
  --interval MS    how often to ask, ms (default ${DEFAULT_TAIL_INTERVAL_MS})
  --once           print what the cloud has now, then exit
  --json           one JSON object per line on stdout: the delivery records as the API gives them
  --help           this text

Exit codes: 0 stopped (SIGINT/SIGTERM, or --once done), 1 the cloud refused or could not be
reached, 2 bad flags.`;

interface Delivery {
  n: number;
  id: string;
  type: string;
  appId: string;
  sessionId: string;
  seq: number;
  path: string;
  attempt: number;
  status?: number;
  failure?: string;
  outcome: string;
  ms: number;
  at: string;
  answer: string;
}

/** The API's answer, checked: a cloud (or whatever answers at that URL) is not trusted. */
function deliveriesOf(body: unknown): Delivery[] | undefined {
  const list = typeof body === 'object' && body !== null ? (body as { deliveries?: unknown }).deliveries : undefined;
  if (!Array.isArray(list)) return undefined;
  return list.filter(
    (d): d is Delivery => typeof d === 'object' && d !== null && typeof (d as Delivery).n === 'number' && typeof (d as Delivery).id === 'string' && typeof (d as Delivery).type === 'string',
  );
}

const clean = (text: unknown, max: number): string => (typeof text === 'string' ? text.replace(/[^\x20-\x7e]/g, '?').slice(0, max) : '');

function line(d: Delivery): string {
  const result = typeof d.status === 'number' ? `HTTP ${d.status}` : clean(d.failure, 32);
  return `${clean(d.at, 30)}  ${clean(d.outcome, 10).padEnd(9)} ${clean(d.type, 40).padEnd(25)} ${clean(d.sessionId, 40)}#${Number(d.seq)}  attempt ${Number(d.attempt)}  ${result}  ${Number(d.ms)} ms  ${clean(d.path, 200)}  ${clean(d.id, 64)}`;
}

async function tail(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, {
    cloud: { type: 'string' },
    token: { type: 'string' },
    'app-id': { type: 'string' },
    session: { type: 'string' },
    interval: { type: 'string' },
    once: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  if (!values.cloud) throw new UsageError('--cloud URL is required');
  let base: URL;
  try {
    base = new URL(values.cloud);
  } catch {
    throw new UsageError(`--cloud must be a URL such as http://127.0.0.1:7070, got "${values.cloud}"`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError('--cloud must be an http(s) URL');
  const token = values.token ?? io.env[ADMIN_TOKEN_ENV];
  if (!token) throw new UsageError(`--token T (or ${ADMIN_TOKEN_ENV}) is required`);
  const intervalMs = intFlag('interval', values.interval, DEFAULT_TAIL_INTERVAL_MS, 50, 3_600_000);
  let after = 0;
  let stopped = false;
  void io.stopSignal.then(() => {
    stopped = true;
  });
  for (;;) {
    const url = new URL('/v1/admin/deliveries', base);
    url.searchParams.set('after', String(after));
    url.searchParams.set('limit', '1000');
    if (values['app-id']) url.searchParams.set('appId', values['app-id']);
    if (values.session) url.searchParams.set('sessionId', values.session);
    let deliveries: Delivery[] | undefined;
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
      if (response.status === 401) {
        io.stderr.write('punchthrough webhooks tail: the cloud refused the admin token (401)\n');
        return ExitCode.failure;
      }
      if (!response.ok) {
        io.stderr.write(`punchthrough webhooks tail: the cloud answered HTTP ${response.status} (is --admin-token set on it?)\n`);
        return ExitCode.failure;
      }
      deliveries = deliveriesOf(await response.json());
    } catch (error) {
      io.stderr.write(`punchthrough webhooks tail: cannot reach ${base.origin}: ${(error as Error).message}\n`);
      return ExitCode.failure;
    }
    if (!deliveries) {
      io.stderr.write('punchthrough webhooks tail: the cloud gave an answer that is not a delivery list\n');
      return ExitCode.failure;
    }
    for (const delivery of deliveries) {
      if (delivery.n <= after) continue;
      after = delivery.n;
      if (values.json) writeJson(io.stdout, delivery as unknown as Record<string, unknown>);
      else io.stdout.write(`${line(delivery)}\n`);
    }
    if (values.once || stopped) return ExitCode.ok;
    // A ref'd timer: it is what keeps the process alive between polls.
    let timer: NodeJS.Timeout | undefined;
    const wake = await Promise.race([new Promise<'tick'>((resolve) => (timer = setTimeout(() => resolve('tick'), intervalMs))), io.stopSignal]);
    clearTimeout(timer);
    if (wake !== 'tick') return ExitCode.ok;
  }
}

export const webhooksCommand: CliCommand = {
  summary: "follow the cloud's webhook deliveries (webhooks tail)",
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'tail') throw new UsageError(sub === undefined ? 'a subcommand is required: tail' : `unknown subcommand "${sub}" (known: tail)`);
    return tail(rest, io);
  },
};

export default webhooksCommand;
