/**
 * Baselines: `check --write-baseline FILE` records the findings of today, `check --baseline FILE`
 * reports only the findings not in it. A finding is recorded as its rule, its file (relative to
 * the baseline's folder) and the fingerprint of its statement (libpg-query's fingerprint of the
 * statement text: the same for the same statement whatever its line, its spacing or its
 * constants' values), never a line number: adding a migration above does not revive old findings.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Finding } from '../engine/analyze';
import { libpgQuery } from '../engine/parse';
import type { Reported as ReportedResult } from '../report';

export class BaselineError extends Error {}

export interface BaselineEntry {
  rule: string;
  file: string;
  fingerprint: string;
}

export interface Baseline {
  version: 1;
  findings: BaselineEntry[];
}

const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex').slice(0, 16);

/**
 * The statement's identity: libpg-query's fingerprint when the statement parses, else a hash of its
 * text with whitespace folded; for a finding on no statement (a file-wide one), a hash of its message.
 */
export function statementFingerprint(finding: Finding, result: ReportedResult): string {
  const parsed = finding.statement === undefined ? undefined : result.analysis?.facts.statements[finding.statement]?.statement;
  const statement = result.analysis ? parsed && { text: parsed.text, parsed: !parsed.error } : result.summary?.outlines.get(finding)?.statement;
  if (!statement) return `file:${sha1(finding.message)}`;
  if (statement.parsed) {
    // The caller loaded the parser (a run answered from the cache loads it for fingerprints only).
    const pg = libpgQuery();
    try {
      return pg.fingerprintSync(statement.text);
    } catch {
      // fall through: fingerprinting failed on a statement the parser took
    }
  }
  return `text:${sha1(statement.text.replace(/\s+/g, ' ').trim())}`;
}

/** `file` as the baseline records it: relative to the baseline's folder, with `/`. */
export function relativeTo(baselineFile: string, file: string): string {
  return path.relative(path.dirname(path.resolve(baselineFile)), path.resolve(file)).split(path.sep).join('/');
}

const key = (e: BaselineEntry) => `${e.rule}\0${e.file}\0${e.fingerprint}`;

export interface Reported extends ReportedResult {
  path: string;
  findings: Finding[];
}

/** The baseline entries of `results`, in file and finding order. */
export function baselineOf(baselineFile: string, results: Reported[]): Baseline {
  return {
    version: 1,
    findings: results.flatMap((r) => r.findings.map((f) => ({ rule: f.rule, file: relativeTo(baselineFile, r.path), fingerprint: statementFingerprint(f, r) }))),
  };
}

export function readBaseline(file: string): Baseline {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new BaselineError(`cannot read the baseline ${file}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (e) {
    throw new BaselineError(`${file} is not JSON: ${(e as Error).message}`);
  }
  const findings = (data as Baseline | null)?.findings;
  const valid =
    (data as Baseline | null)?.version === 1 &&
    Array.isArray(findings) &&
    findings.every((f) => f && typeof f.rule === 'string' && typeof f.file === 'string' && typeof f.fingerprint === 'string');
  if (!valid) throw new BaselineError(`${file} is not a Migration Guard baseline (written by check --write-baseline): expected {"version": 1, "findings": [{"rule", "file", "fingerprint"}]}`);
  return data as Baseline;
}

/**
 * Drops from `results` the findings the baseline holds. The same finding twice in a file (two
 * identical statements) needs two entries: each entry excuses one finding. Returns how many were dropped.
 */
export function applyBaseline(baselineFile: string, baseline: Baseline, results: Reported[]): number {
  const left = new Map<string, number>();
  for (const e of baseline.findings) left.set(key(e), (left.get(key(e)) ?? 0) + 1);
  let dropped = 0;
  for (const r of results) {
    const file = relativeTo(baselineFile, r.path);
    r.findings = r.findings.filter((f) => {
      const k = key({ rule: f.rule, file, fingerprint: statementFingerprint(f, r) });
      const n = left.get(k) ?? 0;
      if (n === 0) return true;
      left.set(k, n - 1);
      dropped++;
      return false;
    });
  }
  return dropped;
}

/**
 * Writes `content` to `file` atomically: a new file in the same folder, then a rename over the
 * old one, so that a crash leaves the old baseline whole. A symbolic link at `file` is refused
 * (never followed), and so is a missing folder.
 */
export function writeAtomically(file: string, content: string): void {
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new BaselineError(`cannot write ${file}: no folder ${dir}`);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(file);
  } catch {
    stat = undefined;
  }
  if (stat?.isSymbolicLink()) throw new BaselineError(`${file} is a symbolic link: not written (write the baseline to a regular file)`);
  if (stat && !stat.isFile()) throw new BaselineError(`${file} is not a regular file: not written`);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  // `wx`: the temporary name must not exist yet (no link planted there is followed either).
  const fd = fs.openSync(temp, 'wx', 0o644);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(temp, file);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw new BaselineError(`cannot write ${file}: ${(e as Error).message}`);
  }
}

export function writeBaseline(file: string, baseline: Baseline): void {
  writeAtomically(file, `${JSON.stringify(baseline, null, 2)}\n`);
}
