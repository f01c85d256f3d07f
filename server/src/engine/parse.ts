/**
 * Stage 1: text → statements, with PostgreSQL's own scanner and parser (libpg-query, WASM).
 *
 * libpg-query rejects a whole input at its first syntax error, so the file is split into
 * statements with the real scanner (`scanSync`: dollar quotes, nested comments, E'' strings and
 * `;` inside literals are all handled by PostgreSQL's lexer), and each statement is parsed
 * alone: one syntax error is one diagnostic on its own statement.
 */
import * as pg from 'libpg-query';
import { OffsetMap } from './positions';

/** A parse-tree node as libpg-query returns it: `{ IndexStmt: { ... } }` and so on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Node = Record<string, any>;

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
  node?: Node;
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

/** Loads the WebAssembly parser once; every function below is synchronous after it. */
export async function loadParser(): Promise<void> {
  if (!loaded) {
    await pg.loadModule();
    loaded = true;
  }
}

const COMMENT = new Set(['SQL_COMMENT', 'C_COMMENT']);

interface ScanOutcome {
  tokens: Token[];
  /** Set when the text ends inside a literal or comment (half-typed SQL). */
  unterminated: boolean;
}

function toTokens(text: string, raw: pg.ScanToken[], map: OffsetMap): Token[] {
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
    return undefined;
  }
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
  const region = text.slice(from, to);
  let raw: pg.ScanToken[];
  try {
    raw = pg.scanSync(region).tokens;
  } catch {
    return undefined; // a literal or comment open across the region's end
  }
  const middle = toTokens(region, raw, new OffsetMap(region)).map((t) => ({ ...t, start: t.start + from, end: t.end + from }));
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
 * Groups tokens into statements at top-level `;`. A `;` inside a SQL-standard function body
 * (`BEGIN ATOMIC ... END`) does not end the statement; CASE ... END nests inside such bodies,
 * as psql counts them.
 */
function split(tokens: Token[], text: string): { spans: Span[]; trailing: Token[] } {
  const spans: Span[] = [];
  let current: Token[] = [];
  let comments: Token[] = [];
  let own: Token[] = [];
  let atomicDepth = 0;
  for (const token of tokens) {
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
      continue;
    }
    const previous = current[current.length - 1];
    if (token.keyword === 'ATOMIC' && previous?.keyword === 'BEGIN' && current[0]?.keyword === 'CREATE') {
      atomicDepth = 1;
    } else if (atomicDepth > 0 && token.keyword === 'CASE') {
      atomicDepth++;
    } else if (atomicDepth > 0 && token.keyword === 'END') {
      atomicDepth--;
    }
    current.push(token);
  }
  if (current.length > 0) spans.push({ tokens: current, leadingComments: comments, ownComments: own });
  return { spans, trailing: current.length > 0 ? [] : comments };
}

function templateHint(text: string): string {
  return /\{\{.*?\}\}/s.test(text)
    ? ' (this looks like a template placeholder such as {{ .Schema }}: the statement is analysed only once the template is rendered)'
    : '';
}

/** Parse trees by statement text. Trees are read, never changed, by the stages after this one. */
const parseCache = new Map<string, pg.ParseResult>();
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
    if (raw) {
      const kind = Object.keys(raw)[0];
      statement.kind = kind;
      statement.node = raw[kind] ?? {};
    } else {
      statement.kind = 'Empty';
    }
  } catch (e) {
    const details = (e as pg.SqlError).sqlDetails;
    const message = (details?.message ?? (e as Error).message ?? 'syntax error') + templateHint(stmtText);
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
