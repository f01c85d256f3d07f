/**
 * The read-only file probe the engine's tool detection asks about the files around a migration
 * (flyway.conf, sqitch.plan, Drizzle's meta/_journal.json, Flyway's `<script>.sql.conf`...): paths
 * relative to the migration's folder, read from the disk here so that the engine reads none.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProjectProbe } from './engine/context';

/**
 * `cache`: answers kept by absolute path, for callers whose files do not change while it lives
 * (one CLI run); the language server reads the disk each time.
 */
export function projectProbe(file: string, cache?: Map<string, string | null | boolean>): ProjectProbe {
  const dir = path.dirname(path.resolve(file));
  const remember = <T extends string | null | boolean>(key: string, compute: () => T): T => {
    if (!cache) return compute();
    if (cache.has(key)) return cache.get(key) as T;
    const value = compute();
    cache.set(key, value);
    return value;
  };
  return {
    exists: (relative) => remember(`exists:${path.resolve(dir, relative)}`, () => fs.existsSync(path.resolve(dir, relative))),
    read: (relative) =>
      remember(`read:${path.resolve(dir, relative)}`, () => {
        // A regular file's text only: a FIFO or device in its place is never opened (reading it could wait forever).
        try {
          const target = path.resolve(dir, relative);
          return fs.statSync(target).isFile() ? fs.readFileSync(target, 'utf8') : null;
        } catch {
          return null;
        }
      }) ?? undefined,
    // Not cached: a CLI run that writes new migrations must see them when naming the next ones.
    list: (relative) => {
      try {
        return fs.readdirSync(path.resolve(dir, relative));
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * What the engine is told about where a migration is: its absolute path (tool detection must not
 * depend on how the path was spelled: `migration.sql` from inside `prisma/migrations/<name>/` is
 * Prisma's) and the probe of the files around it.
 */
export function projectOptions(file: string, cache?: Map<string, string | null | boolean>): { path: string; probe: ProjectProbe } {
  return { path: path.resolve(file), probe: projectProbe(file, cache) };
}
