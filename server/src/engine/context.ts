/**
 * How the migration tool runs a file: which tool (the registry in tools/ is asked in order, from
 * the file's path, name and markers and the project files around it), and for each part of the
 * file whether the tool wraps it in a transaction, and how a file opts out. The knowledge of each
 * tool is in its module (tools/<tool>.ts); docs/frameworks.md gives the source for each model. A
 * file no tool claims is plain SQL, run statement by statement as `psql -f` does.
 */
import { ParsedFile } from './parse';
import { Settings } from './settings';
import { Framework, NO_PROBE, ProjectProbe, RunFile, Segment, toolById, TOOLS, ToolFile } from './tools';

export type { Framework, ProjectProbe, Segment } from './tools';

export interface MigrationContext {
  framework: Framework;
  /** Why: the path, marker or project file that gave the tool away, or the setting. */
  evidence: string;
  segments: Segment[];
  /** The transaction of the first segment (kept for the rules that only need one answer). */
  wrapsInTransaction: boolean;
  /** How a file of this tool runs a statement outside the tool's transaction, in words. */
  optOut: string;
  /** Where the file is: its name, its folder's name, and the probe of the files around it (new migrations are named from them). */
  location?: { base: string; folder: string; probe: ProjectProbe };
}

function toolFile(path: string | undefined, text: string, probe: ProjectProbe): ToolFile {
  const file = (path ?? '').split('\\').join('/');
  return { path: file, base: file.split('/').pop() ?? '', text, probe };
}

/** Which tool runs the file, from the setting, else the first tool of the registry that claims it. */
export function detectFramework(path: string | undefined, text: string, settings: Settings, probe: ProjectProbe = NO_PROBE): { framework: Framework; evidence: string } {
  if (settings.framework !== 'auto') return { framework: settings.framework, evidence: 'the framework setting' };
  const file = toolFile(path, text, probe);
  for (const tool of TOOLS) {
    const evidence = tool.sql?.detect?.(file);
    if (evidence !== undefined) return { framework: tool.id, evidence };
  }
  return { framework: 'plain', evidence: settings.assumeInTransaction ? 'no tool detected; assumeInTransaction' : 'no tool detected' };
}

/** Down files (`*.down.sql`, Sqitch's `revert/`, Flyway's `U<version>__`) run their whole text as a down migration. */
function fileDirection(path: string | undefined): 'up' | 'down' {
  const down = /(^|[._-])down\.sql$/i.test(path ?? '') || /(^|\/)revert\//.test((path ?? '').split('\\').join('/')) || /^U\d/.test((path ?? '').split(/[\\/]/).pop() ?? '');
  return down ? 'down' : 'up';
}

/** How the detected tool runs this file, part by part. */
export function migrationContext(path: string | undefined, parsed: ParsedFile, settings: Settings, probe: ProjectProbe = NO_PROBE): MigrationContext {
  const { framework, evidence } = detectFramework(path, parsed.text, settings, probe);
  const sql = (toolById(framework) ?? toolById('plain')!).sql ?? toolById('plain')!.sql!;
  const seen = toolFile(path, parsed.text, probe);
  const file: RunFile = { ...seen, statements: parsed.statements, direction: sql.direction?.(seen) ?? fileDirection(path), settings };
  const segments = sql.segments(file);
  const folder = seen.path.split('/').slice(-2, -1)[0] ?? '';
  return { framework, evidence, segments, wrapsInTransaction: segments[0].transaction, optOut: sql.optOut, ...(seen.base ? { location: { base: seen.base, folder, probe } } : {}) };
}

/**
 * Where a comment about the whole file goes (the editor's "Ignore ... for this file"), written
 * between `before` and `after` at `offset`: at the top,
 * but after a byte-order mark and after the lines a tool needs first. Liquibase reads a file as
 * formatted SQL only when it starts with `--liquibase formatted sql` (docs/frameworks.md); the
 * other tools' markers (`-- migrate:up`, `-- +goose Up`) may have comments above them.
 */
export function fileCommentPlace(text: string): { offset: number; before: string; after: string } {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const header = /^\s*--\s*liquibase formatted sql[^\r\n]*(\r?\n)?/i.exec(text.slice(bom));
  if (!header) return { offset: bom, before: '', after: '\n' };
  // A header with no line break after it (the whole file): the comment goes on a line of its own.
  return { offset: bom + header[0].length, before: header[1] ? '' : '\n', after: header[1] ?? '' };
}

/** The segment a document offset belongs to. */
export function segmentAt(context: MigrationContext, offset: number): Segment {
  let found = context.segments[0];
  for (const s of context.segments) if (s.start <= offset) found = s;
  return found;
}
