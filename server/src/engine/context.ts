/**
 * How the migration tool runs a file. Framework detection (Flyway, Liquibase, golang-migrate,
 * dbmate, Prisma, Drizzle, Sqitch, ...) plugs in here; until then a file is plain SQL, run
 * statement by statement outside a transaction as `psql -f` does, unless the user says the tool
 * wraps it (`assumeInTransaction`).
 */
import { MigrationContext } from './facts';
import { Settings } from './settings';

export function migrationContext(_path: string | undefined, _text: string, settings: Settings): MigrationContext {
  return { framework: 'plain', wrapsInTransaction: settings.assumeInTransaction };
}
