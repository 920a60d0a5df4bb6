// The package as a game installs it: `npm pack`, an offline install into a separate strict
// TypeScript project, typechecks under node16, nodenext, bundler and node10 resolution, a host
// and a client from the installed package to a connected state, and the tarball's contents.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOLUTIONS, writeConsumerProject } from './consumer-project.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

const OUTER_NPM_SETTINGS = /^npm_config_(dry_run|global|prefix|omit|include|workspaces?|include_workspace_root|production|only)$/i;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command, never rejecting: the test asserts on the exit code and the output. */
function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    // An outer `npm test --dry-run`, `--global`, `--prefix`, `--omit` or workspace must not steer
    // these npm runs; its cache settings stay (the offline install reads that cache).
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !OUTER_NPM_SETTINGS.test(key)));
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the packed package in a separate TypeScript project', () => {
  let work: string;
  let installed: string;
  let install: Run;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'punchthrough-consumer-'));
    // dist/ is fresh (the integration project's global setup builds it), so pack skips `prepare`.
    const pack = await run('npm', ['pack', '--ignore-scripts', '--offline', '--json', '--pack-destination', work], repoRoot);
    expect(pack.code, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string }>;
    writeConsumerProject(work, repoRoot, packed!.filename);
    // Offline: every package is pinned with its integrity in the lockfile, so npm takes the
    // tarballs from the cache `npm ci` filled and never asks the registry. No install scripts:
    // msgpackr's optional native addon would compile, and the game does not need it.
    install = await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=warn'], work);
    installed = join(work, 'node_modules', 'punchthrough');
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs offline without an engine warning', () => {
    expect(install.code, install.stderr).toBe(0);
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/EBADENGINE/);
    expect(existsSync(join(installed, 'dist', 'client-sdk', 'index.js'))).toBe(true);
    // The dashboard's page ships beside dist/ (src/cloud/dashboard.ts reads it from there).
    for (const asset of ['index.html', 'app.js', 'app.css']) expect(existsSync(join(installed, 'dashboard', asset))).toBe(true);
  });

  it('ships LICENSE, README and the docs the README links to, with every relative link resolving', () => {
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License\s+Copyright \(c\) \d{4} the punchthrough authors/);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { license: string };
    expect(manifest.license).toBe('MIT');
    const documents = [join(installed, 'README.md'), ...readdirSync(join(installed, 'docs')).filter((name) => name.endsWith('.md')).map((name) => join(installed, 'docs', name))];
    const broken: string[] = [];
    let links = 0;
    for (const document of documents) {
      for (const match of readFileSync(document, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/i.test(target)) continue;
        links += 1;
        if (!existsSync(resolve(dirname(document), target))) broken.push(`${relative(installed, document)} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
    expect(links).toBeGreaterThan(20);
  });

  it('ships no test code, and each source map carries its sources', () => {
    const files = filesUnder(installed).map((file) => relative(installed, file));
    expect(files.filter((file) => /(^|\/)test\/|\.test\.|\.ts$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);
    const maps = files.filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const missing = maps.filter((file) => {
      const map = JSON.parse(readFileSync(join(installed, file), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      return map.sources.some((source, i) => typeof map.sourcesContent?.[i] !== 'string' && !existsSync(resolve(installed, dirname(file), source)));
    });
    expect(missing).toEqual([]);
  });

  it('typechecks under strict settings with node16, nodenext, bundler and node10 resolution', async () => {
    // In parallel; node16 also emits the game the next test runs.
    const tsc = join(work, 'node_modules', 'typescript', 'bin', 'tsc');
    const checks = await Promise.all(
      RESOLUTIONS.map(async ([name]) => {
        const result = await run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`, ...(name === 'node16' ? [] : ['--noEmit'])], work);
        return { name, code: result.code, output: `${result.stdout}${result.stderr}` };
      }),
    );
    expect(checks).toEqual(RESOLUTIONS.map(([name]) => ({ name, code: 0, output: '' })));
    // About 25 s of CPU (node16's check of every declaration file is most of it); generous
    // because the suite runs test files side by side on few cores.
  }, 300_000);

  it('runs a host and a client from the installed package to a connected state', async () => {
    const game = await run(process.execPath, [join('build-node16', 'game.js')], work);
    expect(game.code, game.stderr).toBe(0);
    expect(JSON.parse(game.stdout.trim())).toEqual({ connected: 'direct', echoedBytes: 3, shutdown: 'ok', exports: true });
  });

  it("runs the installed `punchthrough` bin, whose --version is the package's", async () => {
    const bin = await run(join(work, 'node_modules', '.bin', 'punchthrough'), ['--version'], work);
    expect(bin.code, bin.stderr).toBe(0);
    const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string };
    expect(bin.stdout.trim()).toBe(version);
  });
});
