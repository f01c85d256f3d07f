/**
 * Where the tests find the shared corpus of real migrations: ../shared/corpus beside the
 * repository, or the folder MIGRATION_GUARD_CORPUS names (a git worktree elsewhere). When it is
 * missing the tests that read it skip on a developer's machine, but fail under CI (the CI
 * variable set, as every CI service does): a CI run must not pass without them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const repository = path.join(__dirname, '..', '..');

export const CORPUS = process.env.MIGRATION_GUARD_CORPUS || path.join(repository, '..', 'shared', 'corpus');

const inCi = Boolean(process.env.CI) && !['false', '0'].includes(process.env.CI!.toLowerCase());

const missing = `no corpus at ${CORPUS} (../shared/corpus beside the repository, or set MIGRATION_GUARD_CORPUS)`;

/** The `skip` option of a test that reads the corpus: a reason off CI when it is missing, never under CI. */
export const noCorpus: string | false = fs.existsSync(CORPUS) || inCi ? false : missing;

/** Fails the test (under CI) when the corpus is missing. */
export function requireCorpus(): string {
  if (!fs.existsSync(CORPUS)) throw new Error(`CI is set and there is ${missing}: the real-migration tests cannot run`);
  return CORPUS;
}
