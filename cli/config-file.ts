// `--config punchthrough.json`: the per-app configuration (auth, plugins) and the egress policy of
// `punchthrough cloud`, with "$env:NAME" values read from the environment (docs/configuration.md, "Apps").
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './io.js';

/** What a config file holds, after `$env:` substitution and plugin module loading (validated by the session service at start). */
export interface ConfigFile {
  apps?: Record<string, unknown>;
  egress?: Record<string, unknown>;
  /** Cluster mode: the Redis URL (as `--redis-url`, which wins). */
  redis?: string;
}

const TOP_LEVEL_KEYS = ['apps', 'egress', 'redis'];
const ENV_REFERENCE = /^\$env:([A-Za-z_][A-Za-z0-9_]*)$/;
/** Deeper than any real config; bounds the walk over a file someone handed the operator. */
const MAX_CONFIG_DEPTH = 32;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads, parses and resolves the config file; every problem is a UsageError naming the file and the key. */
export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--config ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config ${file}: invalid JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed)) throw new UsageError(`--config ${file}: expected a JSON object with "apps" and/or "egress"`);
  for (const key of Object.keys(parsed)) {
    if (!TOP_LEVEL_KEYS.includes(key)) throw new UsageError(`--config ${file}: unknown key "${key}" (known: ${TOP_LEVEL_KEYS.join(', ')})`);
  }
  const resolved = substituteEnv(parsed, '', env, file, 0) as Record<string, unknown>;
  for (const key of ['apps', 'egress']) {
    if (resolved[key] !== undefined && !isObject(resolved[key])) throw new UsageError(`--config ${file}: ${key}: expected an object`);
  }
  const redis = resolved.redis;
  if (redis !== undefined && (typeof redis !== 'string' || !/^(rediss?|unix):/.test(redis))) {
    throw new UsageError(`--config ${file}: redis: expected a URL (redis://host:port, rediss://… or unix:///path)`);
  }
  const apps = resolved.apps as Record<string, unknown> | undefined;
  if (apps) await loadPluginModules(apps, file);
  return {
    ...(apps ? { apps } : {}),
    ...(resolved.egress ? { egress: resolved.egress as Record<string, unknown> } : {}),
    ...(typeof redis === 'string' ? { redis } : {}),
  };
}

/** Replaces every string exactly `"$env:NAME"` by that variable; a missing one names the key and the variable, never a value. */
function substituteEnv(value: unknown, path: string, env: NodeJS.ProcessEnv, file: string, depth: number): unknown {
  if (depth > MAX_CONFIG_DEPTH) throw new UsageError(`--config ${file}: ${path}: nested deeper than ${MAX_CONFIG_DEPTH}`);
  if (typeof value === 'string') {
    const reference = ENV_REFERENCE.exec(value);
    if (!reference) return value;
    const name = reference[1]!;
    const found = env[name];
    if (found === undefined || found === '') {
      throw new UsageError(`--config ${file}: INVALID_OPTIONS: ${path} names the environment variable ${name}, which is not set`);
    }
    return found;
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, `${path}[${i}]`, env, file, depth + 1));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = substituteEnv(item, path ? `${path}.${key}` : key, env, file, depth + 1);
    return out;
  }
  return value;
}

/** `plugins.module` (a path relative to the config file) becomes `plugins.factory`: its `factory` export, else its default export. */
async function loadPluginModules(apps: Record<string, unknown>, file: string): Promise<void> {
  for (const [appId, entry] of Object.entries(apps)) {
    if (!isObject(entry) || !isObject(entry.plugins)) continue;
    const plugins = entry.plugins;
    const key = `apps.${appId}.plugins.module`;
    if (plugins.module === undefined) continue;
    if (typeof plugins.module !== 'string' || plugins.module.length === 0) throw new UsageError(`--config ${file}: ${key}: expected a path to a JavaScript module`);
    if (plugins.factory !== undefined) throw new UsageError(`--config ${file}: apps.${appId}.plugins: give "module" or "factory", not both`);
    const modulePath = resolve(dirname(file), plugins.module);
    let loaded: Record<string, unknown>;
    try {
      loaded = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`--config ${file}: ${key}: cannot import ${modulePath} (${(error as Error).message})`);
    }
    const factory = loaded.factory ?? loaded.default;
    if (factory === undefined) throw new UsageError(`--config ${file}: ${key}: ${modulePath} exports neither "factory" nor a default`);
    const { module: _module, ...rest } = plugins;
    entry.plugins = { ...rest, factory };
  }
}
