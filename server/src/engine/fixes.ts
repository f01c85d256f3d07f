/**
 * Building blocks of the quick fixes: edits at token positions (no deparser: comments and
 * formatting outside the edited span stay as they are), and placing a statement outside the
 * transaction it runs in, the way the file can do it.
 */
import { segmentAt } from './context';
import { toolById } from './tools';
import { FileFacts, StatementFacts } from './facts';
import { Node, Token } from './parse';
import { OffsetEdit } from './rule';

/** The text of the whole statement including its `;`, or with one added. */
export function statementWithTerminator(s: StatementFacts): string {
  return `${s.statement.text};`;
}

/** Removes a statement with its `;`, and its line when nothing else is on it. */
export function removeStatement(file: FileFacts, s: StatementFacts): OffsetEdit {
  const text = file.parsed.text;
  let start = s.statement.start;
  let end = s.statement.terminatorEnd ?? s.statement.end;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  if (/^[ \t]*$/.test(text.slice(lineStart, start))) {
    const rest = /^[ \t]*(\r?\n|$)/.exec(text.slice(end));
    if (rest) {
      start = lineStart;
      end += rest[0].length;
    } else {
      // A comment stays on its line: `CREATE INDEX ...; -- why` leaves `-- why`.
      end += /^[ \t]*/.exec(text.slice(end))![0].length;
    }
  }
  return { start, end, newText: '' };
}

/** Replaces a statement (with its `;`) by other SQL. */
export function replaceStatement(s: StatementFacts, sql: string): OffsetEdit {
  return { start: s.statement.start, end: s.statement.terminatorEnd ?? s.statement.end, newText: sql };
}

/** The COMMIT (or ROLLBACK) that ends the explicit transaction a statement runs in. */
export function transactionEnd(file: FileFacts, s: StatementFacts): StatementFacts | undefined {
  if (!s.inTransaction) return undefined;
  return file.statements.find(
    (e) => e.statement.index > s.statement.index && e.kind === 'TransactionStmt' && e.transaction === s.transaction && ['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK'].includes(e.statement.node?.kind),
  );
}

/** Why a fix cannot take a statement out of the tool's transaction in this file. */
function toolReason(file: FileFacts): string {
  return file.context.framework === 'plain'
    ? 'the migration tool runs this file in one transaction (assumeInTransaction): put the statement in a separate migration that runs outside a transaction'
    : `${file.context.framework} runs this in a transaction: ${file.context.optOut}`;
}

export type Placement = { edits: OffsetEdit[]; moved: boolean; note?: string } | { disabled: string };

/**
 * The edit that takes the statement's part of the file out of the migration tool's transaction,
 * the tool's own way: dbmate's `transaction:false`, goose's `NO TRANSACTION`, Liquibase's
 * `runInTransaction:false`. Undefined when the tool has no such switch in the file.
 */
export function toolOptOut(file: FileFacts, s: StatementFacts): { edit: OffsetEdit; note: string } | undefined {
  return toolById(file.context.framework)?.sql?.optOutEdit?.(segmentAt(file.context, s.statement.start), file.parsed.text);
}

/**
 * Edits that put `sql` where it runs outside the statement's transaction: right after the
 * statement when it runs on its own, after the COMMIT of an explicit BEGIN block, and nowhere
 * (with the reason) when the migration tool wraps the whole file.
 */
export function afterTransaction(file: FileFacts, s: StatementFacts, sql: string): Placement {
  if (s.toolTransaction) {
    // The tool's transaction: switch it off for this part of the file, if the tool can.
    const out = toolOptOut(file, s);
    if (!out) return { disabled: toolReason(file) };
    const at = s.statement.terminatorEnd ?? s.statement.end;
    return { edits: [out.edit, { start: at, end: at, newText: `${s.statement.terminatorEnd ? '' : ';'}\n${sql}` }], moved: false, note: out.note };
  }
  if (!s.inTransaction) {
    const at = s.statement.terminatorEnd ?? s.statement.end;
    return { edits: [{ start: at, end: at, newText: `${s.statement.terminatorEnd ? '' : ';'}\n${sql}` }], moved: false };
  }
  const end = transactionEnd(file, s);
  if (!end) {
    const who = file.context.wrapsInTransaction ? `the migration tool (${file.context.framework === 'plain' ? 'assumeInTransaction' : file.context.framework}) runs this file in one transaction` : 'the transaction does not end in this file';
    return { disabled: `${who}: this must go in a separate migration that runs outside a transaction` };
  }
  const at = end.statement.terminatorEnd ?? end.statement.end;
  return { edits: [{ start: at, end: at, newText: `\n${sql}` }], moved: true };
}

/** Moves the statement itself out of its transaction (after the COMMIT), rewritten as `sql`. */
export function moveOutOfTransaction(file: FileFacts, s: StatementFacts, sql: string): Placement {
  if (!s.inTransaction) return { edits: [replaceStatement(s, sql)], moved: false };
  if (s.toolTransaction) {
    const out = toolOptOut(file, s);
    if (!out) return { disabled: toolReason(file) };
    return { edits: [out.edit, replaceStatement(s, sql)], moved: false, note: out.note };
  }
  const placed = afterTransaction(file, s, sql);
  if ('disabled' in placed) return placed;
  return { edits: [removeStatement(file, s), ...placed.edits], moved: true };
}

/** An identifier as SQL wants it. */
export function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** PostgreSQL's default name for an index or constraint: parts joined by `_`, cut to 63 bytes. */
export function defaultName(...parts: string[]): string {
  return parts.filter(Boolean).join('_').slice(0, 63);
}

/** The text of tokens from `start` to `end` in the document. */
export function sliceText(file: FileFacts, start: number, end: number): string {
  return file.parsed.text.slice(start, end);
}

const CONSTRAINT_WORDS = new Set(['NOT', 'NULL', 'DEFAULT', 'CHECK', 'REFERENCES', 'UNIQUE', 'PRIMARY', 'CONSTRAINT', 'GENERATED', 'COLLATE', 'COMPRESSION', 'STORAGE']);

/** Index of the first token at or after a document offset. */
export function tokenIndexAt(tokens: Token[], offset: number): number {
  return tokens.findIndex((t) => t.start >= offset);
}

/**
 * The span of a column's type in a column definition: from the type's first token up to a
 * constraint keyword, or the `,` / `)` that ends the definition (parentheses and [] included).
 */
export function typeSpan(s: StatementFacts, column: Node): { start: number; end: number } | undefined {
  const tokens = s.statement.tokens;
  let i = tokenIndexAt(tokens, s.statement.at(column.typeName?.location ?? -1));
  if (i < 0) return undefined;
  const start = tokens[i].start;
  let end = tokens[i].end;
  let depth = 0;
  for (i++; i < tokens.length; i++) {
    const t = tokens[i];
    if (depth === 0 && (t.text === ',' || t.text === ')' || CONSTRAINT_WORDS.has(t.keyword))) break;
    if (t.text === '(' || t.text === '[') depth++;
    if (t.text === ')' || t.text === ']') depth--;
    end = t.end;
  }
  return { start, end };
}

/** The span of a column constraint clause (`DEFAULT expr`, `NOT NULL`) starting at token `i`. */
export function clauseSpan(tokens: Token[], i: number, limit: number): { start: number; end: number } {
  const start = tokens[i].start;
  let end = tokens[i].end;
  let depth = 0;
  for (i++; i < tokens.length && tokens[i].end <= limit; i++) {
    const t = tokens[i];
    if (depth === 0 && (t.text === ',' || (CONSTRAINT_WORDS.has(t.keyword) && t.keyword !== 'NULL'))) break;
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    end = t.end;
  }
  return { start, end };
}

/** An edit that deletes a span and the blank before it: `a int NOT NULL` → `a int`. */
export function deleteWithLeadingSpace(file: FileFacts, span: { start: number; end: number }): OffsetEdit {
  let start = span.start;
  while (start > 0 && /[ \t]/.test(file.parsed.text[start - 1])) start--;
  return { start, end: span.end, newText: '' };
}

/** Deletes one ALTER TABLE subcommand with the comma that joins it to its neighbours. */
export function removeCommand(s: StatementFacts, index: number): OffsetEdit {
  const cmds = s.commands;
  if (index > 0) {
    // `..., <this>`: from the end of the previous subcommand.
    return { start: cmds[index - 1].end, end: cmds[index].end, newText: '' };
  }
  // `<this>, next`: up to the next subcommand.
  return { start: cmds[0].start, end: cmds[1].start, newText: '' };
}

/**
 * Replaces one subcommand of an ALTER TABLE by whole statements: the statement itself when it
 * has no other subcommand, else the subcommand goes and the statements follow the statement.
 * `later` statements must commit after it: they go after the COMMIT of an explicit transaction.
 */
export function splitCommand(file: FileFacts, s: StatementFacts, index: number, now: string[], later: string[]): Placement {
  const edits: OffsetEdit[] = [];
  const single = s.commands.length === 1;
  if (single) edits.push(replaceStatement(s, now.join('\n')));
  else edits.push(removeCommand(s, index));
  if (!single && now.length) {
    const at = s.statement.terminatorEnd ?? s.statement.end;
    edits.push({ start: at, end: at, newText: `${s.statement.terminatorEnd ? '' : ';'}\n${now.join('\n')}` });
  }
  if (!later.length) return { edits, moved: false };
  if (!s.inTransaction) {
    // Everything runs statement by statement: `later` simply follows.
    const last = edits[edits.length - 1];
    last.newText += `\n${later.join('\n')}`;
    return { edits, moved: false };
  }
  if (s.toolTransaction) {
    const out = toolOptOut(file, s);
    if (!out) return { disabled: toolReason(file) };
    edits[edits.length - 1].newText += `\n${later.join('\n')}`;
    return { edits: [out.edit, ...edits], moved: false, note: out.note };
  }
  const placed = afterTransaction(file, s, later.join('\n'));
  if ('disabled' in placed) return placed;
  return { edits: [...edits, ...placed.edits], moved: true };
}

/** A fix that replaces a column's type. */
export function retype(s: StatementFacts, column: Node, newType: string, title: string, safety: 'safe' | 'unsafe'): { title: string; safety: 'safe' | 'unsafe'; edits: OffsetEdit[] }[] {
  const span = typeSpan(s, column);
  if (!span || column.typeName?.arrayBounds?.length) return [];
  return [{ title, safety, edits: [{ start: span.start, end: span.end, newText: newType }] }];
}

/**
 * A function and trigger that keep two columns equal on every write, whichever one the running
 * code writes: the expand step of a rename (fix and plan alike).
 */
export function syncTriggerSql(table: string, from: string, to: string, fn: string): string[] {
  return [
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $sync$`,
    'BEGIN',
    `  IF (TG_OP = 'INSERT' AND NEW.${to} IS NOT NULL) OR (TG_OP = 'UPDATE' AND NEW.${to} IS DISTINCT FROM OLD.${to}) THEN`,
    `    NEW.${from} := NEW.${to};`,
    '  ELSE',
    `    NEW.${to} := NEW.${from};`,
    '  END IF;',
    '  RETURN NEW;',
    'END',
    '$sync$;',
    `CREATE TRIGGER ${fn} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
  ];
}

/**
 * A DO block that walks `key` over its range in steps of `size`, committing each step: the batched
 * backfill of the fixes and the plans. `statement(inRange)` is the work for one step, where
 * `inRange(column)` is the condition that keeps a column in the step's range.
 */
export function keyRangeLoop(o: { tag: string; table: string; key: string; size: number; pause?: number; statement: (inRange: (column: string) => string) => string }): string[] {
  const inRange = (column: string) => `${column} >= low AND ${column} < low + ${o.size}`;
  return [
    `DO $${o.tag}$`,
    'DECLARE',
    '  low bigint;',
    '  high bigint;',
    'BEGIN',
    `  SELECT min(${o.key}), max(${o.key}) INTO low, high FROM ${o.table};`,
    '  WHILE low <= high LOOP',
    `    ${o.statement(inRange)};`,
    '    COMMIT;',
    ...(o.pause !== undefined ? [`    PERFORM pg_sleep(${o.pause});`] : []),
    `    low := low + ${o.size};`,
    '  END LOOP;',
    'END',
    `$${o.tag}$;`,
  ];
}
