/**
 * One settings schema for the editor and the CLI (STYLE.md §7). The extension declares the same
 * keys under `migrationGuard.*` in package.json `contributes.configuration` (a test keeps the two
 * in step); the CLI reads them, without the prefix, from `migration-guard.json`.
 */

import { Framework, SQL_TOOLS } from './tools';

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export type RuleSetting = Severity | 'off';

export interface Settings {
  /** Major version of the PostgreSQL the migrations run on; rules whose verdict depends on it read it. */
  pgVersion: number;
  /** Treat a file as if the migration tool wrapped it in one transaction (plain files run statement by statement, as `psql -f` does). */
  assumeInTransaction: boolean;
  /** The migration tool, or 'auto' to detect it per file. */
  framework: 'auto' | Framework;
  /** Severity per rule id, or "off". Rules not listed keep their default. */
  rules: Record<string, RuleSetting>;
  /** Glob patterns (relative to the workspace folder) of the files the editor treats as migrations. */
  include: string[];
  /** Glob patterns of files never analysed (relative to the configuration file's folder, or the workspace folder). */
  exclude: string[];
  /** Files larger than this are reported, not analysed. */
  maxFileSizeKB: number;
  /** Value the timeout fix writes for `SET lock_timeout`. */
  lockTimeout: string;
  /** Value the timeout fix writes for `SET statement_timeout`. */
  statementTimeout: string;
  /**
   * lockTimeout and statementTimeout are already in force when each migration starts: the runner
   * sets them on its connection, or the role has them (`ALTER ROLE migrator SET lock_timeout = '5s'`).
   */
  timeoutsInForce: boolean;
  /** Rows per transaction in the batched backfills the quick fixes write. */
  batchSize: number;
  /** Rows per transaction in the backfills of expand-contract plans. */
  planBatchSize: number;
  /** Seconds to pause between those batches. */
  planPauseSeconds: number;
  /** Editor only: a CodeLens above each statement with the locks it takes. */
  codeLens: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  pgVersion: 17,
  assumeInTransaction: false,
  framework: 'auto',
  rules: {},
  include: [
    '**/migrations/**/*.sql',
    '**/migrate/**/*.sql',
    '**/db/**/*.sql',
    '**/prisma/migrations/**/migration.sql',
    '**/supabase/migrations/*.sql',
    '**/V*__*.sql',
    '**/{migrations,migration,migrate}/**/*.{ts,js,mjs,cjs}',
  ],
  exclude: [],
  maxFileSizeKB: 5120,
  lockTimeout: '5s',
  statementTimeout: '30min',
  timeoutsInForce: false,
  batchSize: 5000,
  planBatchSize: 10000,
  planPauseSeconds: 0.1,
  codeLens: true,
};

/**
 * A value PostgreSQL takes for lock_timeout and statement_timeout: a number, optionally with a unit
 * (runtime-config "Parameter Names and Values": us, ms, s, min, h, d, case-sensitive, with
 * optional whitespace; fractions since PostgreSQL 12). These values are written into SQL by the
 * fixes and plans, so nothing else is accepted.
 */
export function isDuration(value: string): boolean {
  return /^\s*\d+(\.\d+)?\s*(us|ms|s|min|h|d)?\s*$/.test(value) && value.length <= 64;
}

/** A value as a SQL string literal: `'5s'`. Quotes are doubled, whatever the value. */
export function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const SEVERITIES: RuleSetting[] = ['error', 'warning', 'info', 'hint', 'off'];
/** The `framework` setting's values: the tools that run `.sql` files (tools/index.ts), or auto. */
export const FRAMEWORK_NAMES: readonly string[] = ['auto', ...SQL_TOOLS];

/**
 * Overlays user-supplied values on the defaults, keeping only values of the right type, and
 * lists what was ignored so the caller can say so.
 */
export function resolveSettings(input: unknown, knownRules?: readonly string[]): { settings: Settings; problems: string[] } {
  const settings: Settings = { ...DEFAULT_SETTINGS, rules: {}, include: [...DEFAULT_SETTINGS.include], exclude: [] };
  const problems: string[] = [];
  if (input === undefined || input === null) return { settings, problems };
  if (typeof input !== 'object' || Array.isArray(input)) {
    return { settings, problems: ['settings must be an object'] };
  }
  const raw = input as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    // null is no value: said, not read as "the default" in silence (remove the key for the default).
    if (value === null) {
      problems.push(`${key} is null: give it a value, or remove the key to use the default`);
      continue;
    }
    switch (key) {
      case 'pgVersion':
        if (typeof value === 'number' && Number.isInteger(value) && value >= 9 && value <= 30) settings.pgVersion = value;
        else problems.push(`pgVersion must be a PostgreSQL major version such as 17, got ${JSON.stringify(value)}`);
        break;
      case 'assumeInTransaction':
      case 'timeoutsInForce':
      case 'codeLens':
        if (typeof value === 'boolean') settings[key] = value;
        else problems.push(`${key} must be true or false`);
        break;
      case 'maxFileSizeKB':
        if (typeof value === 'number' && value > 0) settings.maxFileSizeKB = value;
        else problems.push('maxFileSizeKB must be a positive number');
        break;
      case 'framework':
        if (typeof value === 'string' && FRAMEWORK_NAMES.includes(value)) settings.framework = value as Settings['framework'];
        else problems.push(`framework must be one of ${FRAMEWORK_NAMES.join(', ')}`);
        break;
      case 'batchSize':
      case 'planBatchSize':
        if (typeof value === 'number' && Number.isInteger(value) && value > 0) settings[key] = value;
        else problems.push(`${key} must be a positive whole number of rows`);
        break;
      case 'planPauseSeconds':
        if (typeof value === 'number' && value >= 0) settings.planPauseSeconds = value;
        else problems.push('planPauseSeconds must be a number of seconds, 0 or more');
        break;
      case 'lockTimeout':
      case 'statementTimeout':
        if (typeof value === 'string' && isDuration(value)) settings[key] = value.trim();
        else problems.push(`${key} must be a PostgreSQL duration such as '5s', '500ms', '2min' or '1h' (a number and one of the units us, ms, s, min, h, d), got ${JSON.stringify(value)}`);
        break;
      case 'include':
      case 'exclude':
        if (Array.isArray(value) && value.every((v) => typeof v === 'string')) settings[key] = value as string[];
        else problems.push(`${key} must be a list of glob patterns`);
        break;
      case 'rules':
        if (typeof value === 'object' && !Array.isArray(value)) {
          for (const [id, level] of Object.entries(value as Record<string, unknown>)) {
            if (knownRules && !knownRules.includes(id)) problems.push(`rules.${id}: unknown rule (see docs/rules/README.md for the list)`);
            else if (SEVERITIES.includes(level as RuleSetting)) settings.rules[id] = level as RuleSetting;
            else problems.push(`rules.${id} must be one of ${SEVERITIES.join(', ')}`);
          }
        } else problems.push('rules must map rule ids to a severity or "off"');
        break;
      case '$schema':
        break;
      default:
        problems.push(`unknown setting ${key}`);
    }
  }
  return { settings, problems };
}
