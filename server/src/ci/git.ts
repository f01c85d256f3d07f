/**
 * `check --changed-since REF`: which migration files a branch adds or changes, from git.
 *
 * The files changed are those that differ between the merge base of HEAD and REF and the work
 * tree (commits on the branch, staged and unstaged edits), plus untracked files. A file that
 * already existed at the merge base and was changed is an edit of a migration that may already
 * have run somewhere. git runs through execFileSync (no shell), so no REF can inject a command.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export class GitError extends Error {}

/** What a shallow clone needs, in words: where CI users read it first. */
export const FETCH_HINT =
  'In GitHub Actions, check out the history with actions/checkout and `fetch-depth: 0` (GitLab CI: `GIT_DEPTH: 0`), or fetch the ref first (`git fetch origin REF`).';

function git(args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; status?: number };
    if (err.code === 'ENOENT') throw new GitError('--changed-since needs git, and git is not installed (or not on PATH)');
    throw Object.assign(new Error(String(err.stderr ?? err.message).trim()), { status: err.status });
  }
}

export interface ChangedFiles {
  /** The commit the changes are counted from: `git merge-base HEAD REF`. */
  base: string;
  /** Real paths of the files added or changed since `base`, committed or not. */
  changed: Set<string>;
  /** Of those, the ones that existed at `base`: edits of migrations that may have run already. */
  existed: Set<string>;
}

const real = (file: string) => {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
};

/** The repository `dir` is in, or a GitError that says so. */
function repositoryRoot(dir: string): string {
  try {
    return git(['rev-parse', '--show-toplevel'], dir).trim();
  } catch (e) {
    if (e instanceof GitError) throw e;
    throw new GitError(`--changed-since: ${dir} is not inside a git repository`);
  }
}

/** The changes of the repository at `root` since the merge base of HEAD and `ref`. */
function changesIn(root: string, ref: string): ChangedFiles {
  const shallow = (() => {
    try {
      return git(['rev-parse', '--is-shallow-repository'], root).trim() === 'true';
    } catch {
      return false;
    }
  })();
  const clone = shallow ? 'this shallow clone' : 'this clone';
  // `--end-of-options` keeps a REF that starts with `-` from being read as an option.
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], root).trim();
  } catch {
    throw new GitError(`--changed-since: ${ref} is not a commit in ${clone} of ${root}. ${FETCH_HINT.replace('REF', ref)}`);
  }
  let base: string;
  try {
    base = git(['merge-base', 'HEAD', commit], root).trim();
  } catch {
    throw new GitError(
      `--changed-since: HEAD and ${ref} have no common ancestor in ${clone} of ${root}${shallow ? ' (the history that joins them was not fetched)' : ''}. ${FETCH_HINT.replace('REF', ref)}`,
    );
  }
  // -z: paths as they are (no quoting); --no-renames: a renamed migration is a new file.
  const diff = git(['diff', '--name-status', '--no-renames', '-z', base, '--'], root).split('\0');
  const changed = new Set<string>();
  const existed = new Set<string>();
  for (let i = 0; i + 1 < diff.length; i += 2) {
    const [status, file] = [diff[i], diff[i + 1]];
    if (!status || status.startsWith('D')) continue;
    const full = real(path.join(root, file));
    changed.add(full);
    if (!status.startsWith('A')) existed.add(full);
  }
  for (const file of git(['ls-files', '--others', '--exclude-standard', '-z'], root).split('\0')) {
    if (file) changed.add(real(path.join(root, file)));
  }
  return { base, changed, existed };
}

/**
 * The files added or changed since the merge base of HEAD and `ref`, over the repositories the
 * `inputs` (files or folders given to check) are in.
 */
export function changedSince(ref: string, inputs: string[]): ChangedFiles & { bases: string[] } {
  const roots = new Map<string, ChangedFiles>();
  for (const input of inputs) {
    const resolved = path.resolve(input);
    const dir = fs.existsSync(resolved) && fs.statSync(resolved).isDirectory() ? resolved : path.dirname(resolved);
    const root = real(repositoryRoot(dir));
    if (!roots.has(root)) roots.set(root, changesIn(root, ref));
  }
  const all = [...roots.values()];
  return {
    base: all[0]?.base ?? '',
    bases: all.map((c) => c.base),
    changed: new Set(all.flatMap((c) => [...c.changed])),
    existed: new Set(all.flatMap((c) => [...c.existed])),
  };
}

/** The key `changedSince` uses for a file. */
export const fileKey = real;
