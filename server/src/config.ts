/**
 * The project configuration file, for the CLI and the language server alike (STYLE.md §7):
 * `migration-guard.json` or `.migration-guard.json`, found by walking up from the migration's
 * folder. JSON with comments is accepted, as VS Code's settings files are. Values are checked
 * against the one settings schema; a problem names the file and the key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KNOWN_RULE_IDS } from './engine/analyze';
import { RULES } from './engine/rules';
import { DEFAULT_SETTINGS, resolveSettings, Settings } from './engine/settings';

export const CONFIG_NAMES = ['migration-guard.json', '.migration-guard.json'];

export interface ProjectConfig {
  /** The file, when one was found. */
  file?: string;
  /** Its values, not yet overlaid on the defaults. */
  raw: Record<string, unknown>;
}

export class ConfigError extends Error {}

/** Removes // and /* *\/ comments and trailing commas outside strings. */
export function stripJsonComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

export function readConfigFile(file: string): ProjectConfig {
  let raw: unknown;
  try {
    // Never opened when it is a FIFO or a device: reading one could wait forever.
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    raw = JSON.parse(stripJsonComments(fs.readFileSync(file, 'utf8')));
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}: the configuration must be a JSON object`);
  const { problems } = resolveSettings(raw, KNOWN_RULE_IDS);
  if (problems.length) throw new ConfigError(problems.map((p) => `${file}: ${p}`).join('\n'));
  return { file, raw: raw as Record<string, unknown> };
}

/** The nearest configuration file at or above `dir`. */
export function findConfigFile(dir: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    for (const name of CONFIG_NAMES) {
      const candidate = path.join(current, name);
      if (fs.existsSync(candidate)) return candidate;
    }
    if (path.dirname(current) === current) return undefined;
  }
}

/** The configuration that applies to a migration file (cached per folder by the caller). */
export function configFor(file: string): ProjectConfig {
  const found = findConfigFile(path.dirname(file));
  return found ? readConfigFile(found) : { raw: {} };
}

/** Project file values, then `overrides` on top (the editor's own settings, or CLI flags); rules merge per id. */
export function mergeSettings(project: Record<string, unknown>, overrides: Record<string, unknown> = {}): { settings: Settings; problems: string[] } {
  const rules = { ...((project.rules as object) ?? {}), ...((overrides.rules as object) ?? {}) };
  return resolveSettings({ ...project, ...overrides, rules }, KNOWN_RULE_IDS);
}

/** The commented starting file that `migration-guard init` writes. */
export function starterConfig(): string {
  const rules = RULES.map(({ meta: r }) => `    // ${r.docs.summary}\n    // "${r.id}": "${r.enabledByDefault === false ? 'off' : r.severity}",`).join('\n');
  return `// Migration Guard configuration: https://github.com/migration-guard/migration-guard#cli
// Read by the CLI and the editor for every migration in this folder and below it.
// The editor's own migrationGuard.* settings, when set, win over this file.
{
  // Major version of the PostgreSQL the migrations run on: facts that changed in 11, 12, 14... follow it.
  "pgVersion": ${DEFAULT_SETTINGS.pgVersion},
  // true when the migration tool runs each file in one transaction.
  "assumeInTransaction": ${DEFAULT_SETTINGS.assumeInTransaction},
  // Which .sql files the editor treats as migrations (globs, relative to the workspace folder).
  "include": ${JSON.stringify(DEFAULT_SETTINGS.include)},
  // Files never analysed (globs, relative to this file's folder), for the CLI and the editor.
  "exclude": [],
  // What the timeout quick fix writes.
  "lockTimeout": "${DEFAULT_SETTINGS.lockTimeout}",
  "statementTimeout": "${DEFAULT_SETTINGS.statementTimeout}",
  // true when the runner or the database role already sets those two for every migration
  // (ALTER ROLE migrator SET lock_timeout = '5s'): they are then in force from the first statement.
  "timeoutsInForce": ${DEFAULT_SETTINGS.timeoutsInForce},
  // Severity per rule: "error", "warning", "info", "hint" or "off". Uncomment to change one.
  "rules": {
${rules}
  }
}
`;
}
