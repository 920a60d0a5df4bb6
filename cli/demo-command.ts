// The `demo` command: shows the connection process on the virtual NAT network.
import { DEMO_DEFAULT_CLIENTS } from './constants.js';
import { DEMO_NAT_KINDS, runDemo, type DemoEvent, type DemoNatKind } from './demo/scenario.js';
import { runDashboardDemo } from './demo/dashboard-demo.js';
import { ExitCode, UsageError, intFlag, parseFlags, writeJson, type CliCommand } from './io.js';
import { runnerLogger } from './runner-logger.js';

const kinds = DEMO_NAT_KINDS.join(', ');
const usage = `Usage: punchthrough demo [--host-nat KIND] [--client-nat KIND] [--clients N] [--json]
       punchthrough demo --dashboard [--port N] [--admin-token TOKEN]

Shows the whole connection process on the virtual NAT network: a cloud (session service, STUN,
relay) on a public virtual host, a game host and N clients each behind its own NAT. Prints a
timeline of the steps with millisecond timestamps, each client's connection attempts and the
path it ended on (direct, or through the relay). Exits 0 when every client connected.

With --dashboard: a cloud on the virtual network with a scripted mix of NAT pairs (open, cones,
symmetric; some direct, some through the relay) and a player replaced every 5 s, serving its
operator dashboard on 127.0.0.1:PORT until Ctrl-C; prints the page's URL with the admin token.

Options:
  --dashboard        run the dashboard demo (see above)
  --port N           its HTTP port (default 7070; 0 picks a free one)
  --admin-token T    its admin token (default: a random one, printed)
  --host-nat KIND    the host's NAT (default port-restricted-cone)
  --client-nat KIND  each client's NAT (default port-restricted-cone)
  --clients N        clients to start (default ${DEMO_DEFAULT_CLIENTS})
  --json             JSON lines (also the default when stdout is not a TTY)
  --help             this text

NAT kinds: ${kinds}.`;

function natKind(flag: string, value: string | undefined): DemoNatKind {
  const kind = (value ?? 'port-restricted-cone') as DemoNatKind;
  if (!DEMO_NAT_KINDS.includes(kind)) throw new UsageError(`--${flag} must be one of ${kinds}, got "${value}"`);
  return kind;
}

export const demoCommand: CliCommand = {
  summary: 'watch the connection process on the virtual NAT network',
  usage,
  async run(args, io) {
    const { values } = parseFlags(args, {
      'host-nat': { type: 'string' },
      'client-nat': { type: 'string' },
      clients: { type: 'string' },
      json: { type: 'boolean', default: false },
      dashboard: { type: 'boolean', default: false },
      port: { type: 'string' },
      'admin-token': { type: 'string' },
    });
    if (values.dashboard) {
      const adminToken = values['admin-token'];
      if (adminToken !== undefined && adminToken.length < 16) throw new UsageError('--admin-token must be at least 16 characters');
      const port = intFlag('port', values.port, 7070, 0, 65535);
      const json = values.json || !(io.stdout as { isTTY?: boolean }).isTTY;
      return runDashboardDemo(io, { port, json, logger: runnerLogger('demo', io.env.LOG_LEVEL ?? 'warn'), ...(adminToken ? { adminToken } : {}) });
    }
    const hostNat = natKind('host-nat', values['host-nat']);
    const clientNat = natKind('client-nat', values['client-nat']);
    const clients = intFlag('clients', values.clients, DEMO_DEFAULT_CLIENTS, 1, 50);
    const stdout = io.stdout as typeof io.stdout & { isTTY?: boolean };
    const json = values.json || !stdout.isTTY;
    const color = !json && !io.env.NO_COLOR;
    const paint = (code: number, text: string): string => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

    if (!json) {
      stdout.write(
        `${paint(1, 'punchthrough demo')}: host behind ${hostNat}, ${clients} client(s) behind ${clientNat}, on the virtual NAT network\n\n` +
          `${paint(2, '      ms  peer      event')}\n`,
      );
    }
    const print = (event: DemoEvent): void => {
      if (json) return writeJson(stdout, event);
      const at = `${paint(2, `${String(event.t).padStart(8)}`)}  ${event.peer.padEnd(9)} `;
      if (event.event === 'step') stdout.write(`${at}${event.flow.padEnd(7)} step ${String(event.step).padStart(2)}  ${event.name}\n`);
      else if (event.event === 'attempt') stdout.write(`${at}attempt ${event.n} ${event.path === 'direct' ? 'direct' : paint(33, 'via relay')}\n`);
      else if (event.event === 'connected')
        stdout.write(`${at}${paint(32, `connected via ${event.path}`)} at attempt ${event.attempt}, ${event.ms} ms after the host's addresses\n`);
      else stdout.write(`${at}${paint(31, `failed ${event.code}`)}: ${event.message}\n`);
    };

    const result = await runDemo({ hostNat, clientNat, clients, logger: runnerLogger('demo', io.env.LOG_LEVEL ?? 'warn') }, print);
    const ok = result.clients.every((client) => client.path !== null);
    if (json) writeJson(stdout, { event: 'summary', hostNat, clientNat, clients: result.clients, ok });
    else {
      stdout.write(`\n${paint(1, 'Result')}\n`);
      for (const client of result.clients) {
        stdout.write(`  ${client.peer.padEnd(9)} ${client.path ? paint(32, client.path) : paint(31, `failed (${client.code})`)}\n`);
      }
    }
    return ok ? ExitCode.ok : ExitCode.failure;
  },
};

export default demoCommand;
