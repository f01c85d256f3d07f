/**
 * Stage 1: text → statements, with PostgreSQL's own scanner and parser (libpg-query, WASM).
 *
 * libpg-query rejects a whole input at its first syntax error, so the file is split into
 * statements with the real scanner (`scanSync`: dollar quotes, nested comments, E'' strings and
 * `;` inside literals are all handled by PostgreSQL's lexer), and each statement is parsed
 * alone: one syntax error is one diagnostic on its own statement.
 */
import type * as Pg from 'libpg-query';
import { OffsetMap } from './positions';

import type { Node } from './ast';
export type { Node, NodeTag, Of } from './ast';

export interface Token {
  /** UTF-16 offsets into the document. */
  start: number;
  end: number;
  text: string;
  /** libpg-query's token name: IDENT, SCONST, SQL_COMMENT, C_COMMENT, ASCII_59 (;), ... */
  name: string;
  /** Upper-cased text when the token is a keyword, '' otherwise. */
  keyword: string;
}

export interface SyntaxProblem {
  message: string;
  start: number;
  end: number;
}

export interface Statement {
  index: number;
  /** UTF-16 offsets of the statement's first and last token (the `;` is not included). */
  start: number;
  end: number;
  /** End of the terminating `;`, when there is one. */
  terminatorEnd?: number;
  text: string;
  /** Non-comment tokens of the statement. */
  tokens: Token[];
  /** Comments between the previous statement and this one (ignore comments, framework markers). */
  leadingComments: Token[];
  /** Comments inside the statement, and one on the line where it ends: `...; -- migration-guard-ignore x`. */
  ownComments: Token[];
  /** Node type: 'IndexStmt', 'AlterTableStmt', ... or 'SyntaxError'. */
  kind: string;
  /** The node's fields (`ast[kind]` of libpg-query's `{ [kind]: fields }`). */
  node?: object;
  error?: SyntaxProblem;
  /** Document UTF-16 offset of a node `location` (a UTF-8 byte offset into `text`). */
  at(location: number): number;
}

export interface ParsedFile {
  text: string;
  statements: Statement[];
  /** Comments after the last statement. */
  trailingComments: Token[];
}

let loaded = false;
/**
 * libpg-query, required by loadParser and not before: requiring it starts compiling its
 * WebAssembly, which a `check` answered entirely from the result cache never needs.
 */
let pg: typeof Pg;

/** Loads the WebAssembly parser once; every function below is synchronous after it. */
export async function loadParser(): Promise<void> {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pg ??= require('libpg-query') as typeof Pg;
    await pg.loadModule();
    loaded = true;
  }
}

/** libpg-query after loadParser (plpgsql.ts, baseline fingerprints); throws before it. */
export function libpgQuery(): typeof Pg {
  if (!loaded) throw new Error('libpg-query used before loadParser()');
  return pg;
}

const COMMENT = new Set(['SQL_COMMENT', 'C_COMMENT']);

interface ScanOutcome {
  tokens: Token[];
  /** Set when the text ends inside a literal or comment (half-typed SQL). */
  unterminated: boolean;
}

function toTokens(text: string, raw: Pg.ScanToken[], map: OffsetMap): Token[] {
  const tokens: Token[] = [];
  for (const t of raw) {
    const start = map.fromUtf8(t.start);
    const end = Math.min(map.fromUtf8(t.end), text.length);
    if (start >= text.length) break;
    tokens.push({
      start,
      end,
      text: text.slice(start, end),
      name: t.tokenName,
      keyword: t.keywordKind !== 0 ? t.text.toUpperCase() : '',
    });
  }
  return tokens;
}

/**
 * Scans the whole text. PostgreSQL's lexer fails on a literal or comment left open at the end
 * of the input (the usual state of a file being typed); the construct then runs to the end of
 * the text, so it is closed with each possible closer until one scans, and the closer is cut
 * off again.
 */
function scan(text: string): ScanOutcome | undefined {
  const reused = lastScan && lastScan.text !== text ? rescan(text, lastScan) : lastScan?.text === text ? lastScan.tokens : undefined;
  if (reused) {
    lastScan = { text, tokens: reused };
    return { tokens: reused, unterminated: false };
  }
  const map = new OffsetMap(text);
  try {
    const tokens = toTokens(text, pg.scanSync(text).tokens, map);
    lastScan = { text, tokens };
    return { tokens, unterminated: false };
  } catch {
    const closers = ["'", '"', '*/', '*/*/', '*/*/*/'];
    const tags = text.match(/\$(?:[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/g) ?? [];
    closers.push(...[...new Set(tags.reverse())]);
    for (const closer of closers) {
      try {
        const raw = pg.scanSync(text + closer).tokens;
        return { tokens: toTokens(text, raw, map), unterminated: true };
      } catch {
        // not this closer
      }
    }
    return scanInChunks(text);
  }
}

/**
 * A text PostgreSQL's lexer rejects in the middle (`SET lock_timeout = 5s` is "trailing junk
 * after numeric literal" on PostgreSQL 15 and later; a half-typed number): scanned again in
 * chunks that end at each `;` outside quotes, comments and dollar quotes, so that one bad token
 * blinds only its own statement. A chunk that does not scan becomes the tokens before the bad
 * one, the bad word as one UNKNOWN token (the parser's message lands on it), and the rest.
 */
function scanInChunks(text: string): ScanOutcome | undefined {
  const tokens: Token[] = [];
  let from = 0;
  for (const to of chunkEnds(text)) {
    tokens.push(...scanPiece(text, from, to));
    from = to;
  }
  return tokens.length ? { tokens, unterminated: false } : undefined;
}

/** Tokens of text[from, to), shifted to document offsets; never throws. */
function scanPiece(text: string, from: number, to: number): Token[] {
  const piece = text.slice(from, to);
  if (!piece.trim()) return [];
  try {
    return scanSlice(text, from, to);
  } catch {
    // below: around the bad token
  }
  let at: number | undefined;
  try {
    pg.parseSync(piece);
  } catch (e) {
    const cursor = (e as Pg.SqlError).sqlDetails?.cursorPosition;
    if (typeof cursor === 'number') at = new OffsetMap(piece).fromCodePoint(cursor);
  }
  const semicolon = piece.trimEnd().endsWith(';') ? piece.lastIndexOf(';') : piece.length;
  const whole = (start: number, end: number): Token[] => {
    const word = piece.slice(start, end);
    const lead = word.length - word.trimStart().length;
    return word.trim() ? [{ start: from + start + lead, end: from + start + lead + word.trim().length, text: word.trim(), name: 'UNKNOWN', keyword: '' }] : [];
  };
  const terminator: Token[] = semicolon < piece.length ? [{ start: from + semicolon, end: from + semicolon + 1, text: ';', name: 'ASCII_59', keyword: '' }] : [];
  if (at === undefined || at >= semicolon) return [...whole(0, semicolon), ...terminator];
  let before: Token[] = [];
  try {
    before = scanSlice(text, from, from + at);
  } catch {
    return [...whole(0, semicolon), ...terminator];
  }
  const wordEnd = at + (/^[^\s;]*/.exec(piece.slice(at, semicolon))?.[0].length || 1);
  let after: Token[];
  try {
    after = scanSlice(text, from + wordEnd, from + semicolon);
  } catch {
    after = whole(wordEnd, semicolon);
  }
  return [...before, ...whole(at, wordEnd), ...after, ...terminator];
}

/** PostgreSQL's tokens of text[from, to), at document offsets; throws where its lexer refuses the slice. */
function scanSlice(text: string, from: number, to: number): Token[] {
  const slice = text.slice(from, to);
  return toTokens(slice, pg.scanSync(slice).tokens, new OffsetMap(slice)).map((t) => ({ ...t, start: t.start + from, end: t.end + from }));
}

/**
 * Ends of the chunks of `text`, each just after a `;` outside quotes ('', E'', ""), comments
 * (--, nested /* *\/) and dollar quotes, the last at the end of the text. A small lexer of its
 * own, used only where PostgreSQL's cannot read the text.
 */
export function chunkEnds(text: string): number[] {
  const ends: number[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    const next = text[i + 1];
    if (c === ';') {
      ends.push(++i);
    } else if (c === '-' && next === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') (depth++, (i += 2));
        else if (text[i] === '*' && text[i + 1] === '/') (depth--, (i += 2));
        else i++;
      }
    } else if (c === "'" || c === '"') {
      const backslashes = c === "'" && /[eE]/.test(text[i - 1] ?? '') && !/[\w$]/.test(text[i - 2] ?? '');
      i++;
      while (i < n) {
        if (backslashes && text[i] === '\\') i += 2;
        else if (text[i] === c && text[i + 1] === c) i += 2;
        else if (text[i] === c) break;
        else i++;
      }
      i++;
    } else if (c === '$' && !/[\w$]/.test(text[i - 1] ?? '')) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 200))?.[0];
      if (tag) {
        const close = text.indexOf(tag, i + tag.length);
        i = close < 0 ? n : close + tag.length;
      } else i++;
    } else i++;
  }
  if (!ends.length || ends[ends.length - 1] < n) ends.push(n);
  return ends;
}

/**
 * The last text scanned in full, and its tokens: an editor sends the same document again and
 * again with one small change, so the next scan re-reads only the lines around the change.
 */
let lastScan: { text: string; tokens: Token[] } | undefined;
/** The statements of the last parse: those made of the same token objects are handed out again. */
let lastStatements: Statement[] | undefined;

const sameTokens = (a: Token[], b: Token[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/** The span is the statement's: the same token objects (re-used ones never move), the same comments. */
function sameSpan(old: Statement, span: Span): boolean {
  const n = span.tokens.length;
  return (
    old.tokens.length === n &&
    old.tokens[0] === span.tokens[0] &&
    old.tokens[n - 1] === span.tokens[n - 1] &&
    old.terminatorEnd === span.terminatorEnd &&
    sameTokens(old.leadingComments, span.leadingComments) &&
    sameTokens(old.ownComments, span.ownComments)
  );
}

/**
 * Scans `text` re-using the tokens of `previous` before and after the changed region. The region
 * re-scanned starts at a token start before the change (the lexer is between tokens there) and
 * ends at a line start after it; it is accepted only when it scans without error, so no literal
 * or comment is left open across its end, and the old tokens after it still hold. Otherwise, or
 * when little text is shared, undefined: the caller scans in full.
 */
function rescan(text: string, previous: { text: string; tokens: Token[] }): Token[] | undefined {
  const old = previous.text;
  const limit = Math.min(old.length, text.length);
  let prefix = 0;
  while (prefix < limit && old.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && old.charCodeAt(old.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)) suffix++;
  if (prefix + suffix < limit / 2) return undefined;
  const delta = text.length - old.length;
  const tokens = previous.tokens;
  // First old token reaching the change, then one more back: a token before it may merge with it.
  let i = tokens.findIndex((t) => t.end >= prefix);
  if (i < 0) i = tokens.length;
  i = Math.max(0, i - 1);
  const from = i < tokens.length ? Math.min(tokens[i].start, prefix) : prefix;
  // The region ends at a line start whose newline is in the shared suffix, with no token across it.
  const changedOldEnd = old.length - suffix;
  let j = i;
  let toOld = old.length;
  for (; j < tokens.length; j++) {
    const lineStart = old.lastIndexOf('\n', tokens[j].start - 1) + 1;
    if (lineStart <= changedOldEnd || (j > 0 && tokens[j - 1].end > lineStart)) continue;
    toOld = lineStart;
    break;
  }
  const to = toOld + delta;
  let middle: Token[];
  try {
    middle = scanSlice(text, from, to);
  } catch {
    return undefined; // a literal or comment open across the region's end
  }
  const after = tokens.slice(j).map((t) => ({ ...t, start: t.start + delta, end: t.end + delta }));
  return [...tokens.slice(0, i), ...middle, ...after];
}

interface Span {
  tokens: Token[];
  leadingComments: Token[];
  ownComments: Token[];
  terminatorEnd?: number;
}

/**
 * Groups tokens into statements at top-level `;`, as psql does (psqlscan.l): a `;` inside a
 * SQL-standard function body (`CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC ... END`)
 * does not end the statement, and CASE ... END nests inside such bodies. Like psql, only
 * statements that start with CREATE [OR REPLACE] FUNCTION or PROCEDURE open a body, and only at
 * parenthesis depth 0: `SELECT begin atomic FROM ...` in a view is a column alias, not a body
 * (gluing the statements after it onto it once let a COMMIT escape a trace's rollback).
 */
function split(tokens: Token[], text: string): { spans: Span[]; trailing: Token[] } {
  const spans: Span[] = [];
  let current: Token[] = [];
  let comments: Token[] = [];
  let own: Token[] = [];
  let routine = false;
  let parens = 0;
  let atomicDepth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (COMMENT.has(token.name)) {
      // A comment on the line where the previous statement ended is that statement's own.
      const last = spans[spans.length - 1];
      if (current.length === 0 && comments.length === 0 && last?.terminatorEnd !== undefined && !/[\r\n]/.test(text.slice(last.terminatorEnd, token.start))) {
        last.ownComments.push(token);
      } else if (current.length === 0) comments.push(token);
      else own.push(token);
      continue;
    }
    if (token.text === ';' && atomicDepth === 0) {
      if (current.length > 0) {
        spans.push({ tokens: current, leadingComments: comments, ownComments: own, terminatorEnd: token.end });
      }
      current = [];
      comments = [];
      own = [];
      routine = false;
      parens = 0;
      continue;
    }
    current.push(token);
    if (current.length <= 4) routine = isRoutineHead(current);
    if (token.text === '(') parens++;
    else if (token.text === ')') parens = Math.max(0, parens - 1);
    if (!routine || parens > 0) continue;
    if (token.keyword === 'BEGIN' && nextCode(tokens, i)?.keyword === 'ATOMIC') atomicDepth++;
    else if (atomicDepth > 0 && token.keyword === 'CASE') atomicDepth++;
    else if (atomicDepth > 0 && token.keyword === 'END') atomicDepth--;
  }
  if (current.length > 0) spans.push({ tokens: current, leadingComments: comments, ownComments: own });
  return { spans, trailing: current.length > 0 ? [] : comments };
}

/** The statement so far starts with CREATE [OR REPLACE] FUNCTION or PROCEDURE (psql's test). */
function isRoutineHead(head: Token[]): boolean {
  const [create, second, third, fourth] = head.map((t) => t.keyword);
  const kind = second === 'OR' && third === 'REPLACE' ? fourth : second;
  return create === 'CREATE' && (kind === 'FUNCTION' || kind === 'PROCEDURE');
}

/** The next token after `i` that is not a comment. */
function nextCode(tokens: Token[], i: number): Token | undefined {
  for (let j = i + 1; j < tokens.length; j++) if (!COMMENT.has(tokens[j].name)) return tokens[j];
  return undefined;
}

function templateHint(text: string): string {
  return /\{\{.*?\}\}/s.test(text)
    ? ' (this looks like a template placeholder such as {{ .Schema }}: the statement is analysed only once the template is rendered)'
    : '';
}

/** Parse trees by statement text. Trees are read, never changed, by the stages after this one. */
const parseCache = new Map<string, Pg.ParseResult>();
const PARSE_CACHE_LIMIT = 50_000;

function makeStatement(text: string, index: number, span: Span): Statement {
  const first = span.tokens[0];
  const last = span.tokens[span.tokens.length - 1];
  const stmtText = text.slice(first.start, last.end);
  let map: OffsetMap | undefined;
  const localMap = () => (map ??= new OffsetMap(stmtText));
  const statement: Statement = {
    index,
    start: first.start,
    end: last.end,
    terminatorEnd: span.terminatorEnd,
    text: stmtText,
    tokens: span.tokens,
    leadingComments: span.leadingComments,
    ownComments: span.ownComments,
    kind: 'SyntaxError',
    at: (location: number) => first.start + localMap().fromUtf8(Math.max(0, location)),
  };
  try {
    // Editing one statement of a long migration re-parses that statement only.
    let result = parseCache.get(stmtText);
    if (!result) {
      result = pg.parseSync(stmtText);
      if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
      parseCache.set(stmtText, result);
    }
    const raw = result.stmts?.[0]?.stmt as Node | undefined;
    const glued = result.stmts?.[1];
    if (glued) {
      // The splitter ends statements where psql does; should it ever glue two together, the
      // second would go unanalysed (and a trace would send both at once): say so, analyse neither.
      const offset = statement.at(glued.stmt_location ?? 0);
      statement.error = { message: `Migration Guard read ${result.stmts!.length} statements here as one; it analyses none of them. Please report this file.`, start: offset, end: Math.min(offset + 1, statement.end) };
    } else if (raw) {
      const kind = Object.keys(raw)[0];
      statement.kind = kind;
      statement.node = (raw as Record<string, object>)[kind] ?? {};
    } else {
      statement.kind = 'Empty';
    }
  } catch (e) {
    const details = (e as Pg.SqlError).sqlDetails;
    // "at or near" quotes the rest of the text after an unterminated literal: its first line is enough.
    const said = (details?.message ?? (e as Error).message ?? 'syntax error').replace(/( at or near ")([^]*)"$/, (all, head: string, near: string) => (/\n/.test(near) || near.length > 60 ? `${head}${near.split('\n')[0].slice(0, 60)}…"` : all));
    const message = said + templateHint(stmtText) + (/^unterminated /.test(said) && span.terminatorEnd === undefined ? ' (it runs to the end of the file: every statement after it is inside it, and none is analysed until it is closed)' : '');
    let start = statement.end;
    let end = statement.end;
    if (details && typeof details.cursorPosition === 'number') {
      const offset = first.start + localMap().fromCodePoint(details.cursorPosition);
      const token = span.tokens.find((t) => t.start <= offset && offset < t.end);
      if (token) {
        start = token.start;
        end = token.end;
      } else if (offset >= statement.end) {
        start = last.start;
        end = last.end;
      } else {
        start = offset;
        end = Math.min(offset + 1, statement.end);
      }
    } else {
      start = statement.start;
    }
    statement.error = { message, start, end };
  }
  return statement;
}

/** Parses with a full scan, leaving the re-used scan as it was (tests compare both ways). */
export function parseFileInFull(text: string): ParsedFile {
  const [kept, keptStatements] = [lastScan, lastStatements];
  lastScan = undefined;
  lastStatements = undefined;
  try {
    return parseFile(text);
  } finally {
    [lastScan, lastStatements] = [kept, keptStatements];
  }
}

/**
 * The text PostgreSQL's scanner and parser are given: they read C strings, so a NUL would end the
 * text there (and hide every statement after it), and a byte-order mark at the start is no
 * token. Each is read as a space, which has the same length in UTF-16 and in UTF-8 as a NUL, and
 * the same UTF-16 length as the mark: every offset into the document stays as it is.
 */
function lexable(text: string): string {
  const bom = text.charCodeAt(0) === 0xfeff;
  const nul = text.indexOf('\u0000') >= 0;
  if (!bom && !nul) return text;
  return (bom ? ` ${text.slice(1)}` : text).replace(/\u0000/g, ' ');
}

/** Splits and parses a document. Never throws: problems become statements of kind 'SyntaxError'. */
export function parseFile(document: string): ParsedFile {
  const parsed = parseLexable(lexable(document));
  return parsed.text === document ? parsed : { ...parsed, text: document };
}

function parseLexable(text: string): ParsedFile {
  const scanned = scan(text);
  if (!scanned) {
    // Not even PostgreSQL's lexer can read it: one statement covering the text, with the
    // parser's own message.
    const trimmedStart = text.search(/\S/);
    if (trimmedStart < 0) return { text, statements: [], trailingComments: [] };
    const whole: Token = { start: trimmedStart, end: text.trimEnd().length, text: text.trim(), name: 'UNKNOWN', keyword: '' };
    return { text, statements: [makeStatement(text, 0, { tokens: [whole], leadingComments: [], ownComments: [] })], trailingComments: [] };
  }
  const { spans, trailing } = split(scanned.tokens, text);
  const previous = lastStatements;
  const statements = spans.map((span, index) => {
    const old = previous?.[index];
    return old && sameSpan(old, span) ? old : makeStatement(text, index, span);
  });
  lastStatements = statements;
  return { text, statements, trailingComments: trailing };
}

/** How many statements PostgreSQL's parser reads in `sql` (0 when it does not parse). */
export function countStatements(sql: string): number {
  try {
    return pg.parseSync(sql).stmts?.length ?? 0;
  } catch {
    return 0;
  }
}
