/**
 * PL/pgSQL bodies → the SQL statements they run (issue 16).
 *
 * To the splitter a DO block, or a function or procedure of the migration, is one statement: its
 * body is a quoted string. PostgreSQL's own PL/pgSQL parser (libpg-query's `parsePlPgSQLSync`,
 * pl_gram.y) reads the body into its statement tree; each SQL statement in it becomes a
 * `Statement` of its own, parsed by the normal parser, with document positions inside the body,
 * so the same facts and rules apply to it as to a top-level statement.
 *
 * Positions: the PL/pgSQL tree gives each statement's line in the body (`lineno`, 1 = the line
 * the body opens on) and its SQL text, which is the body's text character for character except
 * that an `INTO target` clause is blanked with as many spaces as it has UTF-8 bytes (pl_gram.y,
 * make_execsql_stmt) and PERFORM reads SELECT. The text is found from that line on and aligned
 * with the body, which gives every character's document offset.
 *
 * `EXECUTE 'literal'` and `EXECUTE format('literal', ...)` run SQL that is known but for the
 * format placeholders: it is analysed with each unknown placeholder standing as a name
 * `<arg>` (`%I`, `%s`) or a literal (`%L`). SQL built any other way is listed as dynamic.
 */
import type * as Pg from 'libpg-query';
import { Node, nodeOf, Of } from './ast';
import { libpgQuery, Statement, SyntaxProblem, Token } from './parse';
import { OffsetMap } from './positions';

/** Where a statement of a PL/pgSQL body runs, as the body's structure says it. */
export interface BodyPlace {
  /** What holds it, in words: 'DO block', 'function f', 'procedure p'. */
  routine: string;
  /** The DO / CREATE FUNCTION / CREATE PROCEDURE statement whose body holds it. */
  container: Statement;
  /** Conditions it runs under, outermost first, as written: `IF NOT EXISTS (...)`, `EXCEPTION WHEN duplicate_object`. */
  conditions: string[];
  /** Loops around it, outermost first: `WHILE low <= high`, `FOR r IN SELECT ...`. */
  loops: string[];
  /** A loop around it COMMITs each time round: the statement runs in batches, one transaction each. */
  committingLoop: boolean;
  /** Inside a BEGIN ... EXCEPTION block: PostgreSQL runs it in a subtransaction, where COMMIT fails. */
  subtransaction: boolean;
  /** Run through EXECUTE: of a literal, or of format() with placeholders whose values are unknown (as written: `%I`). */
  executed?: { form: 'literal' | 'format'; unknown: string[] };
  /** Evaluated only to read: a condition, an assignment's subquery, a loop's query, PERFORM. */
  read?: boolean;
  /** The statement's text is the document's, character for character: edits at its tokens are safe. */
  verbatim: boolean;
}

/** A statement inside a PL/pgSQL body. Its `index` is the index of the top-level statement that runs the body. */
export interface BodyStatement extends Statement {
  body: BodyPlace;
}

export function inBody(statement: Statement): statement is BodyStatement {
  return (statement as Partial<BodyStatement>).body !== undefined;
}

/** SQL a body builds at run time (EXECUTE of an expression): where it is, and why it is not analysed. */
export interface DynamicSql {
  start: number;
  end: number;
  why: string;
}

export interface RoutineBody {
  /** 'DO block', 'function f', 'procedure p'. */
  routine: string;
  /** The statements the body runs, in the order they appear (conditions before their branches). */
  statements: BodyStatement[];
  dynamic: DynamicSql[];
  /** The body does not parse (PostgreSQL rejects it when the DO runs or the function is created). */
  error?: SyntaxProblem;
}

/** Positions relative to the container statement's text: `pos[i]` is the offset of `text[i]`; `pos[text.length]` its end. */
interface Mapped {
  text: string;
  pos: number[];
}

interface Found {
  sql: Mapped;
  place: Omit<BodyPlace, 'container' | 'routine' | 'verbatim'>;
  terminatorEnd?: number;
}

interface Extracted {
  routine: string;
  found: Found[];
  dynamic: DynamicSql[];
  comments: { start: number; end: number; text: string; name: string }[];
  error?: SyntaxProblem;
}

interface Context {
  conditions: string[];
  loops: string[];
  committingLoop: boolean;
  subtransaction: boolean;
}

/**
 * PL/pgSQL's tree as libpg-query's parsePlPgSQL returns it (`{ PLpgSQL_stmt_if: { ... } }`), which
 * `@pgsql/types` does not cover: the node types and fields the walk below reads.
 */
interface PlNode {
  PLpgSQL_function?: { action?: PlNode };
  PLpgSQL_expr?: { query?: string; parseMode?: number };
  PLpgSQL_exception_block?: { exc_list?: PlNode[] };
  PLpgSQL_exception?: { conditions?: PlNode[]; action?: PlNode[] };
  PLpgSQL_condition?: { condname?: string; sqlstate?: number };
  PLpgSQL_if_elsif?: { cond?: PlNode; lineno?: number; stmts?: PlNode[] };
  PLpgSQL_case_when?: { expr?: PlNode; lineno?: number; stmts?: PlNode[] };
  PLpgSQL_var?: { refname?: string };
}

/** The fields of a PL/pgSQL statement (`PLpgSQL_stmt_*`) that the walk reads. */
interface PlStatement {
  lineno?: number;
  body?: PlNode[];
  exceptions?: PlNode;
  sqlstmt?: PlNode;
  expr?: PlNode;
  query?: PlNode;
  dynquery?: PlNode;
  cond?: PlNode;
  then_body?: PlNode[];
  elsif_list?: PlNode[];
  else_body?: PlNode[];
  t_expr?: PlNode;
  case_when_list?: PlNode[];
  have_else?: boolean;
  else_stmts?: PlNode[];
  var?: PlNode;
  lower?: PlNode;
  upper?: PlNode;
}

/** The language of a DO block or a CREATE FUNCTION / PROCEDURE, and its name. */
function routineOf(statement: Statement): { routine: string; language: string; body?: string } | undefined {
  const option = (list: Node[] | undefined, name: string) => (list ?? []).find((o) => o.DefElem?.defname === name)?.DefElem?.arg;
  const block = nodeOf(statement, 'DoStmt');
  if (block) {
    return { routine: 'DO block', language: option(block.args, 'language')?.String?.sval ?? 'plpgsql', body: option(block.args, 'as')?.String?.sval };
  }
  const n = nodeOf(statement, 'CreateFunctionStmt');
  if (n) {
    const name = (n.funcname ?? []).map((x) => x.String?.sval).join('.');
    const as = option(n.options, 'as')?.List?.items;
    return { routine: `${n.is_procedure ? 'procedure' : 'function'} ${name}`, language: option(n.options, 'language')?.String?.sval ?? 'sql', body: as?.length === 1 ? as[0].String?.sval : undefined };
  }
  return undefined;
}

/** A PL/pgSQL routine the migration creates: `CREATE [OR REPLACE] FUNCTION|PROCEDURE ... LANGUAGE plpgsql`. */
export function plpgsqlRoutine(statement: Statement): { name: string; procedure: boolean } | undefined {
  if (statement.kind !== 'CreateFunctionStmt') return undefined;
  const r = routineOf(statement);
  if (!r || r.language.toLowerCase() !== 'plpgsql' || r.body === undefined) return undefined;
  const n = nodeOf(statement, 'CreateFunctionStmt');
  const names = (n?.funcname ?? []).map((x) => x.String?.sval ?? '');
  return { name: names[names.length - 1], procedure: n?.is_procedure === true };
}

/** The string constant's value, and for each of its characters the offset in `raw` it comes from. */
export function decodeLiteral(raw: string): { text: string; src: number[] } | undefined {
  const dollar = /^\$([A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/.exec(raw);
  if (dollar) {
    const tag = dollar[0];
    if (!raw.endsWith(tag) || raw.length < 2 * tag.length) return undefined;
    const text = raw.slice(tag.length, raw.length - tag.length);
    return { text, src: Array.from({ length: text.length + 1 }, (_, i) => tag.length + i) };
  }
  const escape = /^[eE]'/.test(raw);
  const open = escape ? 2 : raw.startsWith("'") ? 1 : -1;
  if (open < 0 || !raw.endsWith("'")) return undefined;
  let text = '';
  const src: number[] = [];
  const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };
  for (let i = open; i < raw.length - 1; i++) {
    src.push(i);
    if (raw[i] === "'" && raw[i + 1] === "'") {
      text += "'";
      i++;
    } else if (escape && raw[i] === '\\' && i + 1 < raw.length - 1) {
      text += ESCAPES[raw[i + 1]] ?? raw[i + 1];
      i++;
    } else text += raw[i];
  }
  src.push(raw.length - 1);
  return { text, src };
}

/** The body string's token in the statement, decoded, with each character's offset in `statement.text`. */
function bodyText(statement: Statement, value: string): Mapped | undefined {
  for (const t of statement.tokens) {
    if (t.name !== 'SCONST') continue;
    const decoded = decodeLiteral(t.text);
    if (decoded?.text !== value) continue;
    const base = t.start - statement.start;
    return { text: decoded.text, pos: decoded.src.map((i) => base + i) };
  }
  return undefined;
}

const utf8Length = (c: number) => (c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : c >= 0xdc00 && c <= 0xdfff ? 0 : 3);

/**
 * Aligns PL/pgSQL's text of a statement with the body at `p`: equal characters, except runs of
 * spaces standing for as many UTF-8 bytes of an INTO clause, and SELECT for PERFORM. Gives the
 * body offset of each character of `q`, or undefined when the text is not at `p`.
 */
function align(body: string, q: string, p: number, perform: boolean): number[] | undefined {
  const map: number[] = new Array(q.length + 1);
  let i = 0;
  let j = p;
  if (perform) {
    // PostgreSQL runs `SELECT ` followed by the text from the token after PERFORM (pl_gram.y).
    if (!/^perform\s/i.test(body.slice(p, p + 8)) || !q.startsWith('SELECT ')) return undefined;
    for (; i < 7; i++, j++) map[i] = j;
    while (/\s/.test(body[j] ?? '')) j++;
  }
  while (i < q.length) {
    if (j < body.length && q[i] === body[j]) {
      map[i++] = j++;
      continue;
    }
    if (q[i] !== ' ') return undefined;
    let run = 0;
    while (q[i + run] === ' ') run++;
    const from = j;
    let bytes = 0;
    while (bytes < run && j < body.length) bytes += utf8Length(body.charCodeAt(j++));
    if (bytes !== run) return undefined;
    for (let k = 0; k < run; k++) map[i + k] = Math.min(from + k, j - 1);
    i += run;
  }
  map[q.length] = j;
  return map;
}

/** Where PL/pgSQL's text `q` of a statement on line `line` of the body is: its first character's body offset, and each one's. */
function locate(body: string, lineStarts: number[], q: string, line: number | undefined, perform: boolean): number[] | undefined {
  if (!q) return undefined;
  const from = lineStarts[Math.max(0, Math.min(lineStarts.length - 1, (line ?? 1) - 1))];
  const key = perform ? undefined : /^\S+/.exec(q)?.[0];
  const search = (start: number) => {
    for (let p = start; p < body.length; p++) {
      const next = key ? body.indexOf(key, p) : body.slice(p).search(/perform\b/i);
      if (next < 0) return undefined;
      p = key ? next : p + next;
      const map = align(body, q, p, perform);
      if (map) return map;
    }
    return undefined;
  };
  // The line comes from the PL/pgSQL parser; search from the body's start only if it misleads.
  return search(from) ?? (from > 0 ? search(0) : undefined);
}

const oneLine = (text: string, max = 60) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

const quoteName = (name: string) => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);
const quoteLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Parse results by text: bodies and their statements are re-read on every keystroke. */
const parseCache = new Map<string, Pg.ParseResult | Error>();
function parseCached(sql: string): Pg.ParseResult | Error {
  let result = parseCache.get(sql);
  if (!result) {
    try {
      result = libpgQuery().parseSync(sql);
    } catch (e) {
      result = e as Error;
    }
    if (parseCache.size > 20_000) parseCache.clear();
    parseCache.set(sql, result);
  }
  return result;
}

/** Reads a body: the statements it runs (relative to the container's text), its dynamic SQL, its comments. */
function extract(container: Statement): Extracted | undefined {
  const r = routineOf(container);
  if (!r || r.language.toLowerCase() !== 'plpgsql' || r.body === undefined) return undefined;
  const out: Extracted = { routine: r.routine, found: [], dynamic: [], comments: [] };
  const body = bodyText(container, r.body);
  if (!body) {
    out.error = { message: `the ${r.routine}'s body is not a string Migration Guard can read: not analysed`, start: 0, end: container.text.length };
    return out;
  }
  let tree: { plpgsql_funcs?: PlNode[] };
  try {
    tree = libpgQuery().parsePlPgSQLSync(container.text) as unknown as { plpgsql_funcs?: PlNode[] };
  } catch (e) {
    const said = ((e as Pg.SqlError).sqlDetails?.message ?? (e as Error).message ?? 'syntax error').replace(/\s+/g, ' ');
    // "at or near "{"": the first such token of the body, when the message names one.
    const near = /at or near "([^"]+)"/.exec(said)?.[1];
    const at = near ? body.text.indexOf(near) : -1;
    const template = /\{\{.*?\}\}/s.test(body.text) ? ' (this looks like a template placeholder such as {{ .Schema }}: the block is analysed only once the template is rendered)' : '';
    out.error = {
      message: `PL/pgSQL: ${said}${template}; the ${r.routine}'s statements are not analysed`,
      start: at >= 0 ? body.pos[at] : body.pos[0],
      end: at >= 0 ? body.pos[at + near!.length] : body.pos[Math.min(body.text.length, /^[^\n]*/.exec(body.text)![0].length || 1)],
    };
    return out;
  }
  const fn = tree.plpgsql_funcs?.[0]?.PLpgSQL_function;
  if (!fn?.action) return out;

  const text = body.text;
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  // The body's tokens, for its comments and the COMMIT / ROLLBACK statements (PL/pgSQL uses the SQL scanner).
  let tokens: { start: number; end: number; text: string; name: string; keyword: string }[] = [];
  try {
    const map = new OffsetMap(text);
    tokens = libpgQuery().scanSync(text).tokens.map((t) => {
      const start = map.fromUtf8(t.start);
      const end = map.fromUtf8(t.end);
      return { start, end, text: text.slice(start, end), name: t.tokenName, keyword: t.keywordKind !== 0 ? t.text.toUpperCase() : '' };
    });
  } catch {
    // A body the SQL scanner cannot read: no comments, and COMMIT found by its word.
  }
  for (const t of tokens) if (t.name === 'SQL_COMMENT' || t.name === 'C_COMMENT') out.comments.push({ start: body.pos[t.start], end: body.pos[t.end], text: t.text, name: t.name });
  const toContainer = (m: number[]) => m.map((i) => body.pos[i]);
  const terminatorAfter = (end: number) => {
    const next = /^\s*;/.exec(text.slice(end));
    return next ? body.pos[end + next[0].length] : undefined;
  };

  const addSql = (q: string, line: number | undefined, ctx: Context, how: { perform?: boolean; read?: boolean }) => {
    const map = locate(text, lineStarts, q, line, how.perform === true);
    if (!map) return;
    out.found.push({ sql: { text: q, pos: toContainer(map) }, place: { ...ctx, read: how.read }, terminatorEnd: terminatorAfter(map[q.length]) });
  };

  /** An expression (condition, assignment): analysed as the SELECT PL/pgSQL runs, when it reads a table. */
  const addExpression = (expr: PlNode | undefined, line: number | undefined, ctx: Context) => {
    const q = expr?.PLpgSQL_expr?.query;
    if (!q || !/\b(select|from)\b/i.test(q)) return;
    const map = locate(text, lineStarts, q, line, false);
    if (!map) return;
    let from = 0;
    if (expr?.PLpgSQL_expr?.parseMode === 3) {
      const assign = /^[^:=]*?(:=|=)\s*/.exec(q);
      if (!assign) return;
      from = assign[0].length;
    }
    const sql = `SELECT ${q.slice(from)}`;
    const pos = [...new Array(7).fill(body.pos[map[from]]), ...toContainer(map.slice(from))];
    out.found.push({ sql: { text: sql, pos }, place: { ...ctx, read: true } });
  };

  /**
   * EXECUTE of an expression: analysed when it is a literal, format() of a literal, or literals
   * joined with `||` to other values; each value not written as a constant stands as an unknown
   * name `"<arg>"` (or literal `'<arg>'` for %L, quote_literal), so the SQL around it still parses.
   */
  const addExecute = (expr: PlNode | undefined, line: number | undefined, ctx: Context) => {
    const q = expr?.PLpgSQL_expr?.query;
    if (!q) return;
    const map = locate(text, lineStarts, q, line, false);
    if (!map) return;
    const range = { start: body.pos[map[0]], end: body.pos[map[q.length]] };
    const dynamic = (why: string) => out.dynamic.push({ ...range, why });
    const parsed = parseCached(`SELECT ${q}`);
    const value = parsed instanceof Error ? undefined : (parsed.stmts?.[0]?.stmt as Node | undefined)?.SelectStmt?.targetList?.[0]?.ResTarget?.val;
    const parts = value ? executedParts(q, value) : undefined;
    if (!parts) {
      dynamic(`EXECUTE of SQL built at run time (${oneLine(q, 50)})`);
      return;
    }
    const form: 'literal' | 'format' = parts.some((p) => 'label' in p) || value?.FuncCall ? 'format' : 'literal';
    // The SQL, and for each character its offset in the container's text.
    let sql = '';
    const pos: number[] = [];
    /** For each character, the offset just after its source (a doubled quote is two characters). */
    const after: number[] = [];
    const unknown: string[] = [];
    let open = false; // an unknown name's quoted identifier takes the name characters that follow it
    const put = (chars: string, at: (k: number) => number, end = (k: number) => at(k) + 1) => {
      for (let k = 0; k < chars.length; k++) {
        pos.push(at(k));
        after.push(Math.max(at(k) + 1, end(k)));
      }
      sql += chars;
    };
    const source = (part: { src: number[] }, from: number) => [(k: number) => body.pos[map[part.src[from + k]]], (k: number) => body.pos[map[part.src[from + k + 1]]]] as const;
    const close = (at: number) => {
      if (open) put('"', () => at);
      open = false;
    };
    for (const part of parts) {
      if ('literal' in part) {
        let from = 0;
        if (open) {
          from = /^[A-Za-z0-9_$]*/.exec(part.literal)![0].length;
          put(part.literal.slice(0, from), ...source(part, 0));
          close(body.pos[map[part.src[from]]]);
        }
        put(part.literal.slice(from), ...source(part, from));
        continue;
      }
      const at = body.pos[map[part.at]];
      close(at);
      if (part.known !== undefined) {
        put(part.kind === 'I' ? quoteName(part.known) : part.kind === 'L' ? quoteLiteral(part.known) : part.known, () => at);
        continue;
      }
      unknown.push(part.label);
      const label = `<${part.label.replace(/^\S+ \((.*)\)$/, '$1')}>`;
      if (part.kind === 'L') {
        put(quoteLiteral(label), () => at);
        continue;
      }
      // A name written around the placeholder (`idx_%s_on`) is part of the same identifier.
      const prefix = /[A-Za-z0-9_$]*$/.exec(sql)![0];
      const kept = pos.slice(pos.length - prefix.length);
      sql = sql.slice(0, sql.length - prefix.length);
      pos.length -= prefix.length;
      after.length -= prefix.length;
      put('"', () => kept[0] ?? at);
      put(prefix, (k) => kept[k]);
      put(label, () => at);
      open = true;
    }
    close(pos.length ? pos[pos.length - 1] : range.start);
    pos.push(pos.length ? pos[pos.length - 1] + 1 : range.end);
    // Whitespace around the SQL is not part of the statement.
    const lead = sql.length - sql.trimStart().length;
    const trimmed = sql.trim().replace(/\s*;\s*$/, '');
    if (!trimmed) return;
    const checked = parseCached(trimmed);
    if (checked instanceof Error) {
      const template = /\{\{.*?\}\}/s.test(trimmed) ? ' (a template placeholder such as {{ .Schema }}: analysed once the template is rendered)' : '';
      const what = form === 'literal' ? 'of a literal' : `of SQL with values known only at run time (${unknown.join(', ')})`;
      dynamic(`EXECUTE ${what} that does not parse${form === 'literal' ? '' : ' with them as names'}: ${oneLine(checked.message, 80)}${template}`);
      return;
    }
    const end = after[lead + trimmed.length - 1];
    out.found.push({ sql: { text: trimmed, pos: [...pos.slice(lead, lead + trimmed.length), end] }, place: { ...ctx, executed: { form, unknown } } });
  };

  /** COMMIT / ROLLBACK of the body: a statement of its own, from its keyword to its `;`. */
  const addTransactionEnd = (keyword: 'COMMIT' | 'ROLLBACK', line: number | undefined, ctx: Context) => {
    const from = lineStarts[Math.max(0, Math.min(lineStarts.length - 1, (line ?? 1) - 1))];
    let start: number;
    let end: number;
    const first = tokens.findIndex((t) => t.start >= from && t.keyword === keyword);
    if (first >= 0) {
      start = tokens[first].start;
      let k = first;
      while (tokens[k + 1] && tokens[k + 1].text !== ';') k++;
      end = tokens[k].end;
    } else {
      const m = new RegExp(`\\b${keyword}\\b[^;]*`, 'i').exec(text.slice(from));
      if (!m) return;
      start = from + m.index;
      end = start + m[0].trimEnd().length;
    }
    const q = text.slice(start, end).replace(/\s+--[^\n]*$/, '');
    out.found.push({ sql: { text: q, pos: toContainer(Array.from({ length: q.length + 1 }, (_, i) => start + i)) }, place: ctx, terminatorEnd: terminatorAfter(start + q.length) });
  };

  const within = (ctx: Context, condition: string): Context => ({ ...ctx, conditions: [...ctx.conditions, condition] });
  const looping = (ctx: Context, loop: string, body: unknown): Context => ({
    ...ctx,
    loops: [...ctx.loops, loop],
    committingLoop: ctx.committingLoop || JSON.stringify(body ?? []).includes('"PLpgSQL_stmt_commit"'),
  });
  const exprText = (e: PlNode | undefined) => oneLine(e?.PLpgSQL_expr?.query ?? '');

  const walk = (stmts: PlNode[] | undefined, ctx: Context): void => {
    for (const item of stmts ?? []) {
      const [type, n] = Object.entries(item)[0] as [string, PlStatement];
      const line = n.lineno;
      switch (type) {
        case 'PLpgSQL_stmt_block': {
          const handlers = n.exceptions?.PLpgSQL_exception_block?.exc_list ?? [];
          walk(n.body, handlers.length ? { ...ctx, subtransaction: true } : ctx);
          for (const h of handlers) {
            const names = (h.PLpgSQL_exception?.conditions ?? []).map((c) => c.PLpgSQL_condition?.condname ?? c.PLpgSQL_condition?.sqlstate).join(' OR ');
            walk(h.PLpgSQL_exception?.action, within(ctx, `EXCEPTION WHEN ${names}`));
          }
          break;
        }
        case 'PLpgSQL_stmt_execsql':
          addSql(n.sqlstmt?.PLpgSQL_expr?.query ?? '', line, ctx, {});
          break;
        case 'PLpgSQL_stmt_perform':
          addSql(n.expr?.PLpgSQL_expr?.query ?? '', line, ctx, { perform: true, read: true });
          break;
        case 'PLpgSQL_stmt_call':
          addSql(n.expr?.PLpgSQL_expr?.query ?? '', line, ctx, {});
          break;
        case 'PLpgSQL_stmt_commit':
          addTransactionEnd('COMMIT', line, ctx);
          break;
        case 'PLpgSQL_stmt_rollback':
          addTransactionEnd('ROLLBACK', line, ctx);
          break;
        case 'PLpgSQL_stmt_dynexecute':
          addExecute(n.query, line, ctx);
          break;
        case 'PLpgSQL_stmt_if': {
          addExpression(n.cond, line, ctx);
          const conds = [`IF ${exprText(n.cond)}`];
          walk(n.then_body, within(ctx, conds[0]));
          for (const e of n.elsif_list ?? []) {
            const elsif = e.PLpgSQL_if_elsif ?? {};
            addExpression(elsif.cond, elsif.lineno, ctx);
            conds.push(`ELSIF ${exprText(elsif.cond)}`);
            walk(elsif.stmts, within(ctx, conds[conds.length - 1]));
          }
          if (n.else_body) walk(n.else_body, within(ctx, `ELSE (not ${conds.map((c) => c.replace(/^(IF|ELSIF) /, '')).join(', not ')})`));
          break;
        }
        case 'PLpgSQL_stmt_case': {
          addExpression(n.t_expr, line, ctx);
          for (const w of n.case_when_list ?? []) {
            const when = w.PLpgSQL_case_when ?? {};
            addExpression(when.expr, when.lineno, ctx);
            walk(when.stmts, within(ctx, `CASE WHEN ${exprText(when.expr)}`));
          }
          if (n.have_else) walk(n.else_stmts, within(ctx, 'CASE ELSE'));
          break;
        }
        case 'PLpgSQL_stmt_loop':
          walk(n.body, looping(ctx, 'LOOP', n.body));
          break;
        case 'PLpgSQL_stmt_while':
          addExpression(n.cond, line, ctx);
          walk(n.body, looping(ctx, `WHILE ${exprText(n.cond)}`, n.body));
          break;
        case 'PLpgSQL_stmt_fori':
          walk(n.body, looping(ctx, `FOR ${n.var?.PLpgSQL_var?.refname ?? ''} IN ${exprText(n.lower)}..${exprText(n.upper)}`, n.body));
          break;
        case 'PLpgSQL_stmt_fors':
          addSql(n.query?.PLpgSQL_expr?.query ?? '', line, ctx, { read: true });
          walk(n.body, looping(ctx, `FOR ... IN ${exprText(n.query)}`, n.body));
          break;
        case 'PLpgSQL_stmt_dynfors':
          addExecute(n.query, line, ctx);
          walk(n.body, looping(ctx, `FOR ... IN EXECUTE ${exprText(n.query)}`, n.body));
          break;
        case 'PLpgSQL_stmt_forc':
        case 'PLpgSQL_stmt_foreach_a':
          walk(n.body, looping(ctx, type === 'PLpgSQL_stmt_forc' ? 'FOR ... IN cursor' : `FOREACH ... IN ARRAY ${exprText(n.expr)}`, n.body));
          break;
        case 'PLpgSQL_stmt_return_query':
        case 'PLpgSQL_stmt_open':
          if (n.query) addSql(n.query.PLpgSQL_expr?.query ?? '', line, ctx, { read: true });
          if (n.dynquery) addExecute(n.dynquery, line, ctx);
          break;
        case 'PLpgSQL_stmt_assign':
          addExpression(n.expr, line, ctx);
          break;
        default:
          // RETURN, RAISE, EXIT WHEN, ASSERT...: a subquery in their expressions still reads.
          for (const v of Object.values(n) as unknown[]) if ((v as PlNode | undefined)?.PLpgSQL_expr) addExpression(v as PlNode, line, ctx);
      }
    }
  };
  walk(fn.action ? [fn.action] : [], { conditions: [], loops: [], committingLoop: false, subtransaction: false });
  return out;
}

type Part = { literal: string; src: number[] } | { label: string; kind: 'I' | 'L' | 's'; at: number; known?: string };

/**
 * The pieces of an EXECUTE expression `q` (parsed as `SELECT q`, so locations are 7 bytes on):
 * literal text with each character's offset in `q`, and values (format() arguments, `||`
 * operands) with their kind. Undefined when the SQL is not built from a literal at all.
 */
function executedParts(q: string, value: Node): Part[] | undefined {
  const qMap = new OffsetMap(q);
  const offset = (location: number | undefined) => qMap.fromUtf8(Math.max(0, (location ?? 7) - 7));
  /** The string constant at a location of `q`, decoded, with each character's offset in `q`. */
  const literalAt = (location: number | undefined): { text: string; src: number[] } | undefined => {
    const at = offset(location);
    try {
      const t = libpgQuery().scanSync(q.slice(at)).tokens[0];
      if (t?.tokenName !== 'SCONST') return undefined;
      const raw = q.slice(at, at + new OffsetMap(q.slice(at)).fromUtf8(t.end));
      const decoded = decodeLiteral(raw);
      return decoded && { text: decoded.text, src: decoded.src.map((i) => at + i) };
    } catch {
      return undefined;
    }
  };
  const nameOf = (n: Node): string | undefined => (n.ColumnRef ? (n.ColumnRef.fields ?? []).map((f) => f.String?.sval ?? '*').join('.') : undefined);
  const funcName = (n: Node) => (n.FuncCall?.funcname ?? []).map((x) => x.String?.sval).pop();
  const stringConst = (n: Node | undefined): Of<'A_Const'> | undefined => (n?.A_Const?.sval ? n.A_Const : n?.TypeCast?.arg?.A_Const?.sval ? n.TypeCast.arg.A_Const : undefined);
  /** An operand of `||`, or a format() argument: its kind, and its value when written as a constant. */
  const valuePart = (n: Node, kind: 'I' | 'L' | 's', label: string): Part => {
    const c = stringConst(n);
    if (c) return { label, kind, at: offset(c.location), known: c.sval?.sval ?? '' };
    const fn = funcName(n);
    const inner = n.FuncCall?.args?.[0];
    const name = (inner && nameOf(inner)) ?? nameOf(n) ?? fn ?? 'value';
    const k = fn === 'quote_ident' ? 'I' : fn === 'quote_literal' || fn === 'quote_nullable' ? 'L' : kind;
    return { label: label.includes('(') ? label : `${label} (${name})`, kind: k, at: offset(n.FuncCall?.location ?? n.ColumnRef?.location) };
  };
  const c = stringConst(value);
  if (c) {
    const lit = literalAt(c.location);
    return lit && [{ literal: lit.text, src: lit.src }];
  }
  if (funcName(value) === 'format') {
    const args = value.FuncCall?.args ?? [];
    const fmt = stringConst(args[0]);
    const lit = fmt && literalAt(fmt.location);
    if (!lit) return undefined;
    // %[n$][flags][width]{s,I,L}, and %% (https://www.postgresql.org/docs/current/functions-string.html#FUNCTIONS-STRING-FORMAT).
    const parts: Part[] = [];
    let last = 0;
    let next = 0;
    for (const m of lit.text.matchAll(/%(?:(\d+)\$)?-?(?:\d+|\*)?([sIL%])/g)) {
      const k = m.index!;
      parts.push({ literal: lit.text.slice(last, k) + (m[2] === '%' ? '%' : ''), src: [...lit.src.slice(last, k + (m[2] === '%' ? 1 : 0)), lit.src[k]] });
      last = k + m[0].length;
      if (m[2] === '%') continue;
      const index = m[1] ? Number(m[1]) - 1 : next;
      next = index + 1;
      const arg = args[index + 1];
      const part = arg ? valuePart(arg, m[2] as 'I' | 'L' | 's', `%${m[2]}`) : ({ label: `%${m[2]}`, kind: m[2] as 'I' | 'L' | 's', at: lit.src[k] } as Part);
      parts.push({ ...part, at: lit.src[k] });
    }
    parts.push({ literal: lit.text.slice(last), src: lit.src.slice(last) });
    return parts;
  }
  // 'ALTER TABLE ' || quote_ident(t) || ' ADD COLUMN x int': literals joined to values.
  const operands: Node[] = [];
  const flatten = (n: Node): boolean => {
    const e = n.A_Expr;
    if (e?.kind === 'AEXPR_OP' && e.lexpr && e.rexpr && (e.name ?? []).map((x) => x.String?.sval).join() === '||') return flatten(e.lexpr) && flatten(e.rexpr);
    operands.push(n);
    return true;
  };
  flatten(value);
  if (operands.length < 2 || !operands.some((o) => stringConst(o))) return undefined;
  const parts: Part[] = [];
  for (const o of operands) {
    const oc = stringConst(o);
    const lit = oc && literalAt(oc.location);
    if (oc && !lit) return undefined;
    parts.push(lit ? { literal: lit.text, src: lit.src } : valuePart(o, 's', '||'));
  }
  return parts;
}

/** Extractions by container text, relative to it: an unchanged body is read once. */
const extractCache = new Map<string, Extracted | null>();
/** Positioned bodies per container statement and runner index. */
const bodyCache = new WeakMap<Statement, Map<number, RoutineBody | null>>();

/**
 * The statements a DO block, a function or a procedure runs, as Statements with document
 * positions inside its body; `index` is the top-level statement that runs them (the DO itself,
 * or the CALL / SELECT that calls the routine). Undefined for anything that is not PL/pgSQL.
 */
export function routineBody(container: Statement, index = container.index): RoutineBody | undefined {
  let perRunner = bodyCache.get(container);
  const cached = perRunner?.get(index);
  if (cached !== undefined) return cached ?? undefined;
  let extracted = extractCache.get(container.text);
  if (extracted === undefined) {
    extracted = extract(container) ?? null;
    if (extractCache.size > 2_000) extractCache.clear();
    extractCache.set(container.text, extracted);
  }
  const result = extracted ? position(container, index, extracted) : null;
  if (!perRunner) bodyCache.set(container, (perRunner = new Map()));
  perRunner.set(index, result);
  return result ?? undefined;
}

function position(container: Statement, index: number, x: Extracted): RoutineBody {
  const base = container.start;
  const comments: Token[] = x.comments.map((c) => ({ start: base + c.start, end: base + c.end, text: c.text, name: c.name, keyword: '' }));
  const statements: BodyStatement[] = [];
  for (const f of x.found) {
    const verbatim = f.sql.pos.every((p, i) => i === 0 || p === f.sql.pos[i - 1] + 1) && container.text.slice(f.sql.pos[0], f.sql.pos[f.sql.text.length]) === f.sql.text;
    const place: BodyPlace = { ...f.place, routine: x.routine, container, verbatim };
    statements.push(...makeStatements(f.sql, base, index, place, f.terminatorEnd === undefined ? undefined : base + f.terminatorEnd));
  }
  // Comments before a statement (since the previous one) are its leading comments; those inside
  // it, or on the line its `;` ends, its own: ignore comments work inside bodies too.
  const byStart = [...statements].sort((a, b) => a.start - b.start);
  let previousEnd = -1;
  for (const s of byStart) {
    const end = s.terminatorEnd ?? s.end;
    const lineEnd = container.text.indexOf('\n', end - base);
    const ownLimit = lineEnd < 0 ? Infinity : base + lineEnd;
    s.leadingComments = comments.filter((c) => c.start >= previousEnd && c.end <= s.start);
    s.ownComments = comments.filter((c) => (c.start >= s.start && c.end <= end) || (c.start >= end && c.start < ownLimit));
    previousEnd = Math.max(previousEnd, end);
  }
  const dynamic = x.dynamic.map((d) => ({ start: base + d.start, end: base + d.end, why: d.why }));
  const error = x.error && { message: x.error.message, start: base + x.error.start, end: base + x.error.end };
  return { routine: x.routine, statements, dynamic, error };
}

/** Statements of one piece of SQL (EXECUTE of a literal may hold several), parsed and placed in the document. */
function makeStatements(sql: Mapped, base: number, index: number, place: BodyPlace, terminatorEnd: number | undefined): BodyStatement[] {
  const parsed = parseCached(sql.text);
  const stmts = parsed instanceof Error ? [] : (parsed.stmts ?? []);
  if (stmts.length > 1) {
    const map = new OffsetMap(sql.text);
    return stmts.flatMap((st, k) => {
      const from = map.fromUtf8(st.stmt_location ?? 0);
      const to = st.stmt_len ? map.fromUtf8((st.stmt_location ?? 0) + st.stmt_len) : sql.text.length;
      const raw = sql.text.slice(from, to);
      const lead = raw.length - raw.trimStart().length;
      const text = raw.trim();
      const piece = { text, pos: sql.pos.slice(from + lead, from + lead + text.length + 1) };
      return makeStatements(piece, base, index, place, k === stmts.length - 1 ? terminatorEnd : undefined);
    });
  }
  const map = new OffsetMap(sql.text);
  const doc = (i: number) => base + sql.pos[Math.max(0, Math.min(sql.text.length, i))];
  const tokens: Token[] = [];
  const own: Token[] = [];
  try {
    for (const t of libpgQuery().scanSync(sql.text).tokens) {
      const s = map.fromUtf8(t.start);
      const e = map.fromUtf8(t.end);
      const token: Token = { start: doc(s), end: Math.max(doc(s) + 1, doc(e)), text: sql.text.slice(s, e), name: t.tokenName, keyword: t.keywordKind !== 0 ? t.text.toUpperCase() : '' };
      (t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT' ? own : tokens).push(token);
    }
  } catch {
    // Parsed below all the same; a statement without tokens gets no token-based range.
  }
  const raw = stmts[0]?.stmt as Node | undefined;
  const kind = parsed instanceof Error ? 'SyntaxError' : raw ? Object.keys(raw)[0] : 'Empty';
  const statement: BodyStatement = {
    index,
    start: doc(0),
    end: Math.max(doc(0), doc(sql.text.length)),
    terminatorEnd,
    text: sql.text,
    tokens,
    leadingComments: [],
    ownComments: own,
    kind,
    node: raw ? (raw as Record<string, object>)[kind] ?? {} : undefined,
    error: parsed instanceof Error ? { message: parsed.message, start: doc(0), end: doc(sql.text.length) } : undefined,
    at: (location: number) => doc(map.fromUtf8(Math.max(0, location))),
    body: place,
  };
  return [statement];
}

/**
 * The PL/pgSQL routines of the migration a statement calls: `CALL p(...)`, or `SELECT f(...)`
 * (anywhere in the SELECT), by name, among the routines created before it.
 */
export function calledRoutines(statement: Statement, known: ReadonlyMap<string, unknown>): string[] {
  if (known.size === 0) return [];
  const names: string[] = [];
  const nameOf = (fc: Of<'FuncCall'>) => (fc.funcname ?? []).map((x) => x.String?.sval ?? '').pop() ?? '';
  const call = nodeOf(statement, 'CallStmt');
  if (call) {
    const fc = call.funccall;
    if (fc && known.has(nameOf(fc))) names.push(nameOf(fc));
  } else if (statement.kind === 'SelectStmt') {
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const fc = (v as Node).FuncCall;
        if (fc && known.has(nameOf(fc)) && !names.includes(nameOf(fc))) names.push(nameOf(fc));
        Object.values(v).forEach(walk);
      }
    };
    walk(statement.node);
  }
  return names;
}
