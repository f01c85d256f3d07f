/**
 * What the engine's framework detection needs from the disk around a migration: the tools'
 * project files (flyway.conf / flyway.toml, sqitch.plan, Drizzle's meta/_journal.json) and
 * Flyway's per-script `<script>.sql.conf`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProjectHints } from './engine/context';

const PROJECT_FILES = ['flyway.conf', 'flyway.toml', 'sqitch.plan'];

/**
 * `folders`: a cache of the per-folder part, for callers whose files do not change while it lives
 * (one CLI run); the language server reads the disk each time.
 */
export function projectHints(file: string, folders?: Map<string, Omit<ProjectHints, 'scriptConfig'>>): ProjectHints {
  const dir = path.dirname(path.resolve(file));
  let around = folders?.get(dir);
  if (!around) {
    around = folderHints(dir);
    folders?.set(dir, around);
  }
  const conf = `${path.resolve(file)}.conf`;
  const scriptConfig = readRegular(conf);
  return { ...around, scriptConfig };
}

function folderHints(dir: string): Omit<ProjectHints, 'scriptConfig'> {
  const nearby: string[] = [];
  let flywayExecuteInTransaction: boolean | undefined;
  let current = dir;
  for (let up = 0; up < 5; up++) {
    for (const name of PROJECT_FILES) {
      const candidate = path.join(current, name);
      if (!fs.existsSync(candidate)) continue;
      nearby.push(`${'../'.repeat(up)}${name}`);
      if (name.startsWith('flyway') && flywayExecuteInTransaction === undefined) {
        const value = /executeInTransaction\s*=\s*"?(true|false)"?/.exec(readRegular(candidate) ?? '')?.[1];
        if (value) flywayExecuteInTransaction = value === 'true';
      }
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (fs.existsSync(path.join(dir, 'meta', '_journal.json'))) nearby.push('meta/_journal.json');
  return { nearby, flywayExecuteInTransaction };
}

/** A regular file's text, or undefined: a FIFO or device in its place is never opened, an unreadable file is no hint. */
function readRegular(file: string): string | undefined {
  try {
    return fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}
