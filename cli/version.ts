// The package version, read from package.json at run time so it is never repeated in code.
import { readFileSync } from 'node:fs';

/**
 * The `version` of the punchthrough package.json above this file: two folders up from
 * dist/cli/ once built, one up from cli/ when run from source.
 */
export function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'punchthrough' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // Not there from this layout: try the next.
    }
  }
  throw new Error('cannot find the punchthrough package.json');
}
