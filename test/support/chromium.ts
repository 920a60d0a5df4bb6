// Debian's chromium, headless, driven over the DevTools protocol (a WebSocket): load a page, evaluate, screenshot.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser binary, or undefined (the test then skips and says why). */
export function chromiumPath(): string | undefined {
  const given = process.env.CHROMIUM_PATH;
  if (given && existsSync(given)) return given;
  return CANDIDATES.find((path) => existsSync(path));
}

export const CHROMIUM_MISSING = 'chromium is not installed (apt-get install chromium; .ci/run installs it)';

export interface BrowserPage {
  goto(url: string): Promise<void>;
  /** Evaluates `expression` in the page (awaiting a promise) and answers its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Polls `expression` until it is truthy, or throws after `timeoutMs`. */
  waitFor(expression: string, timeoutMs?: number): Promise<void>;
  screenshot(): Promise<Buffer>;
}

export interface Browser {
  newPage(width?: number, height?: number): Promise<BrowserPage>;
  close(): Promise<void>;
}

interface CdpReply {
  id?: number;
  result?: Record<string, unknown>;
  error?: { message: string };
  method?: string;
  sessionId?: string;
}

/** Starts headless chromium with a throwaway profile; close() kills it and removes the profile. */
export async function launchChromium(path: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'pt-chromium-'));
  const child: ChildProcess = spawn(
    path,
    ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--hide-scrollbars', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    // Its own process group: chromium's helpers (zygote, renderers, crashpad) die with it.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const kill = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', kill);
  const endpoint = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${seen.slice(-500)}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const found = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (!found) return;
      clearTimeout(timer);
      resolve(found[1]!);
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`chromium exited (${code}): ${seen.slice(-500)}`))));
  });
  const socket = new WebSocket(endpoint, { perMessageDeflate: false });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let nextId = 1;
  const waiting = new Map<number, { resolve: (result: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  const listeners = new Set<(message: CdpReply) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as CdpReply;
    if (message.id !== undefined) {
      const call = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) call?.reject(new Error(message.error.message));
      else call?.resolve(message.result ?? {});
    } else for (const listener of listeners) listener(message);
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });

  return {
    async newPage(width = 1280, height = 1400) {
      const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
      const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
      await send('Page.enable', {}, sessionId);
      await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, sessionId);
      const evaluate = async <T>(expression: string): Promise<T> => {
        const reply = (await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId)) as {
          result: { value?: T };
          exceptionDetails?: { text: string; exception?: { description?: string } };
        };
        if (reply.exceptionDetails) throw new Error(`in the page: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`);
        return reply.result.value as T;
      };
      return {
        async goto(url) {
          const loaded = new Promise<void>((resolve) => {
            const listener = (message: CdpReply): void => {
              if (message.sessionId !== sessionId || message.method !== 'Page.loadEventFired') return;
              listeners.delete(listener);
              resolve();
            };
            listeners.add(listener);
          });
          await send('Page.navigate', { url }, sessionId);
          await loaded;
        },
        evaluate,
        async waitFor(expression, timeoutMs = 15_000) {
          const deadline = Date.now() + timeoutMs;
          while (!(await evaluate<boolean>(`Boolean(${expression})`))) {
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        },
        async screenshot() {
          const { data } = (await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, sessionId)) as { data: string };
          return Buffer.from(data, 'base64');
        },
      };
    },
    async close() {
      socket.close();
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      kill();
      await exited;
      process.removeListener('exit', kill);
      // A helper may still be flushing into the profile as it dies: retry the removal briefly.
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
