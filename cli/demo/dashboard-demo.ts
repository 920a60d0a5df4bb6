// `punchthrough demo --dashboard`: a cloud with a scripted NAT mix and a little churn, until Ctrl-C, so a newcomer sees the dashboard populated.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../core/index.js';
import { ExitCode, writeJson, type CliIo } from '../io.js';
import { startDashboardMix } from './dashboard-mix.js';

/** A player leaves and another joins this often, ms: the charts move while someone watches. */
const CHURN_EVERY_MS = 5_000;

export async function runDashboardDemo(io: CliIo, options: { port: number; adminToken?: string; json: boolean; logger: Logger }): Promise<number> {
  const adminToken = options.adminToken ?? randomBytes(18).toString('base64url');
  const mix = await startDashboardMix({ adminToken, httpPort: options.port, logger: options.logger });
  const say = (text: string, data: Record<string, unknown>): void => (options.json ? writeJson(io.stdout, data) : void io.stdout.write(`${text}\n`));
  say(`punchthrough demo: the dashboard is at\n\n  ${mix.url}\n\n(admin token ${adminToken}); Ctrl-C stops it.`, { event: 'dashboard', url: mix.url, adminToken });
  void mix.settled.then((outcomes) => {
    const direct = outcomes.filter((outcome) => outcome.path === 'direct').length;
    say(`${outcomes.length} clients started: ${direct} direct, ${outcomes.length - direct} through the relay or failed`, { event: 'settled', clients: outcomes });
  });
  let churning = false;
  const timer = setInterval(() => {
    if (churning) return;
    churning = true;
    void mix
      .churn()
      .catch((error: unknown) => options.logger.warn({ err: error }, 'demo churn failed'))
      .finally(() => (churning = false));
  }, CHURN_EVERY_MS);
  await io.stopSignal;
  clearInterval(timer);
  await mix.close();
  return ExitCode.ok;
}
