/**
 * Fix-all, for the editor's source.fixAll and `migration-guard fix`: the first applicable fix
 * of each finding, safe ones only unless asked (ruff's applicability). Edits that touch or meet
 * an edit already taken wait for the next pass, which re-analyses the fixed text, so that two
 * fixes on one statement (CONCURRENTLY, then IF NOT EXISTS) compose in the right order.
 */
import { analyze, AnalyzeOptions, Finding } from './analyze';
import { applyEdits } from './edits';
import { LineMap } from './positions';
import { NewFile, OffsetEdit } from './rule';
import { ProjectProbe } from './tools';

export interface FixAllResult {
  text: string;
  /** Titles of the fixes applied, in order. */
  applied: string[];
  /**
   * The same change as edits of the original text (UTF-16 offsets, in order, not overlapping):
   * what an adapter applies to the file's bytes, so that nothing outside them is re-encoded.
   */
  edits: OffsetEdit[];
  /**
   * New files the applied fixes create (a statement moved to a migration of its own), by paths
   * relative to the migration's folder; only with `files: true`, else such fixes are left out.
   */
  files: NewFile[];
}

/** A piece of the fixed text: a span of the original text, or text a fix wrote. */
type Piece = { from: number; to: number } | { text: string };

const pieceLength = (p: Piece) => ('text' in p ? p.text.length : p.to - p.from);

/** The pieces with `edits` (offsets into the text the pieces make up, not overlapping) applied. */
function applyToPieces(pieces: Piece[], edits: OffsetEdit[]): Piece[] {
  const out: Piece[] = [];
  // One sweep: `i` is the piece that holds offset `pieceStart`..; edits come in order.
  let i = 0;
  let pieceStart = 0;
  const copy = (from: number, to: number) => {
    for (; i < pieces.length && from < to; ) {
      const p = pieces[i];
      const length = pieceLength(p);
      if (pieceStart + length <= from) {
        pieceStart += length;
        i++;
        continue;
      }
      const a = from - pieceStart;
      const b = Math.min(length, to - pieceStart);
      out.push('text' in p ? { text: p.text.slice(a, b) } : { from: p.from + a, to: p.from + b });
      from = pieceStart + b;
    }
  };
  let at = 0;
  for (const e of [...edits].sort((x, y) => x.start - y.start || x.end - y.end)) {
    copy(at, e.start);
    if (e.newText) out.push({ text: e.newText });
    at = Math.max(at, e.end);
  }
  copy(at, pieces.reduce((n, p) => n + pieceLength(p), 0));
  return out;
}

/** Edits of the original text that turn it into the text the pieces make up. */
function piecesToEdits(pieces: Piece[], originalLength: number): OffsetEdit[] {
  const edits: OffsetEdit[] = [];
  let at = 0;
  let pending = '';
  for (const p of [...pieces, { from: originalLength, to: originalLength }]) {
    if ('text' in p) {
      pending += p.text;
      continue;
    }
    if (p.from !== at || pending) edits.push({ start: at, end: p.from, newText: pending });
    pending = '';
    at = p.to;
  }
  return edits;
}

function chooseEdits(text: string, findings: Finding[], unsafe: boolean, withFiles = false): { edits: Finding['fixes'][number]['edits']; titles: string[]; files: NewFile[] } {
  const lines = new LineMap(text);
  const taken: { start: number; end: number }[] = [];
  const edits: Finding['fixes'][number]['edits'] = [];
  const titles: string[] = [];
  const seen = new Set<string>();
  const files: NewFile[] = [];
  for (const finding of findings) {
    const fix = finding.fixes.find((f) => !f.disabled && f.edits.length > 0 && (unsafe || f.safety === 'safe') && (withFiles || !f.files?.length));
    if (!fix) continue;
    // One fix with new files per pass: the next pass names its files after these (their versions are taken).
    if (fix.files?.length && files.length) continue;
    const key = JSON.stringify(fix.edits);
    if (seen.has(key)) continue; // one fix can serve several findings
    const spans = fix.edits.map((e) => ({ start: lines.offset(e.range.start), end: lines.offset(e.range.end) }));
    if (spans.some((a) => taken.some((b) => a.start <= b.end && b.start <= a.end))) continue;
    seen.add(key);
    taken.push(...spans);
    edits.push(...fix.edits);
    titles.push(fix.title);
    files.push(...(fix.files ?? []));
  }
  return { edits, titles, files };
}

/** Where a new file is, seen from the migration's folder: the folder it is listed in, and its name there. */
function listedAs(file: NewFile): { folder: string; name: string } {
  const parts = file.path.split('/');
  return parts[0] === '..' ? { folder: '..', name: parts[1] } : { folder: '.', name: parts[0] };
}

/** The probe with the files of earlier passes in it, as if they were written. */
function withPending(probe: ProjectProbe | undefined, pending: NewFile[]): ProjectProbe | undefined {
  if (!probe || !pending.length) return probe;
  return {
    ...probe,
    exists: (relative) => pending.some((f) => f.path === relative) || probe.exists(relative),
    list: (relative) => [...(probe.list?.(relative) ?? []), ...pending.map(listedAs).filter((l) => l.folder === relative).map((l) => l.name)],
  };
}

/** `files`: the caller can create new files (the CLI's `fix --unsafe`); without it, fixes that need them are left out. */
export function fixAll(text: string, options: AnalyzeOptions & { unsafe?: boolean; files?: boolean }, passes = 5): FixAllResult {
  const applied: string[] = [];
  const created: NewFile[] = [];
  let current = text;
  let pieces: Piece[] = [{ from: 0, to: text.length }];
  for (let pass = 0; pass < passes; pass++) {
    const { edits, titles, files } = chooseEdits(current, analyze(current, { ...options, probe: withPending(options.probe, created) }).findings, options.unsafe === true, options.files === true);
    if (!edits.length) break;
    created.push(...files);
    const lines = new LineMap(current);
    pieces = applyToPieces(
      pieces,
      edits.map((e) => ({ start: lines.offset(e.range.start), end: lines.offset(e.range.end), newText: e.newText })),
    );
    current = applyEdits(current, edits);
    applied.push(...titles);
  }
  return { text: current, applied, edits: piecesToEdits(pieces, text.length), files: created };
}

/** One pass of safe fixes as edits, for the editor's source.fixAll action. */
export function safeFixEdits(text: string, findings: Finding[]): Finding['fixes'][number]['edits'] {
  return chooseEdits(text, findings, false).edits;
}
