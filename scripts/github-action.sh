#!/usr/bin/env bash
# The step of action.yml: builds the `migration-guard check --format github` command from the
# MG_* variables the action sets, fetches the history a shallow checkout lacks, and runs it.
# Annotations go to the log (GitHub turns them into comments on the diff); the job summary goes
# to $GITHUB_STEP_SUMMARY.
set -euo pipefail

args=(check)
read -r -a paths <<< "${MG_PATHS:-.}"
args+=("${paths[@]}" --format github)

ref="${MG_REF:-}"
if [ -n "$ref" ] && [ "$ref" != none ]; then
  if [ "${MG_FETCH_HISTORY:-true}" = true ] && [ "$(git rev-parse --is-shallow-repository)" = true ]; then
    # actions/checkout fetches one commit by default: the merge base needs the history.
    git fetch --no-tags --quiet --unshallow origin || echo "::warning title=Migration Guard::could not fetch the history of this shallow checkout; use actions/checkout with fetch-depth: 0"
  fi
  # A ref the checkout lacks (a branch name, a commit of another branch): fetch it. Only names
  # that cannot be read as an option reach git fetch.
  if ! git rev-parse --verify --quiet --end-of-options "$ref^{commit}" > /dev/null && [[ "$ref" =~ ^[A-Za-z0-9_][A-Za-z0-9._/-]*$ ]]; then
    git fetch --no-tags --quiet origin "$ref" || true
  fi
  args+=(--changed-since "$ref")
fi
if [ -n "${MG_DATABASE_URL:-}" ]; then
  echo "::add-mask::$MG_DATABASE_URL"
  args+=(--database "$MG_DATABASE_URL")
fi
if [ -n "${MG_BASELINE:-}" ]; then args+=(--baseline "$MG_BASELINE"); fi
if [ -n "${MG_ARGS:-}" ]; then
  read -r -a extra <<< "$MG_ARGS"
  args+=("${extra[@]}")
fi

version="${MG_VERSION:-source}"
if [ "$version" = source ]; then
  here="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
  if [ ! -f "$here/dist/cli.js" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent) >&2
  fi
  exec node "$here/bin/migration-guard.js" "${args[@]}"
fi
exec npm exec --yes --package="migration-guard@$version" -- migration-guard "${args[@]}"
