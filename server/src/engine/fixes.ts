/**
 * Building blocks of the quick fixes: edits at token positions (no deparser: comments and
 * formatting outside the edited span stay as they are), and placing a statement outside the
 * transaction it runs in, the way the file can do it.
 */
import { segmentAt } from './context';
import { OwnMigration, toolById } from './tools';
import { FileFacts, StatementFacts } from './facts';
import { nodeOf, Of } from './ast';
import { parseFileInFull, Statement, Token } from './parse';
import { NewFile, OffsetEdit } from './rule';

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
    (e) => e.statement.index > s.statement.index && e.transaction === s.transaction && ['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK'].includes(nodeOf(e.statement, 'TransactionStmt')?.kind ?? ''),
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
 * `runInTransaction:false`. Undefined when the tool has no such switch in the file, or when the
 * switch only helps a statement alone (sqlx) and `alone` is false.
 */
export function toolOptOut(file: FileFacts, s: StatementFacts, alone = true): { edit: OffsetEdit; note: string } | undefined {
  const sql = toolById(file.context.framework)?.sql;
  if (sql?.optOutAlone && !alone && sql.ownMigration && file.context.location) return undefined;
  return sql?.optOutEdit?.(segmentAt(file.context, s.statement.start), file.parsed.text);
}

/** Whether the statement is the only one in its part of the file. */
function aloneInSegment(file: FileFacts, s: StatementFacts): boolean {
  const segment = segmentAt(file.context, s.statement.start);
  return file.statements.every((o) => o === s || segmentAt(file.context, o.statement.start) !== segment);
}

/** What reverts a statement moved to a migration of its own, or undefined when nothing does. */
function undoOf(st: Statement): string | undefined {
  const relation = (r: Of<'RangeVar'> | undefined) => (r?.schemaname ? `${ident(r.schemaname)}.${ident(r.relname ?? '')}` : ident(r?.relname ?? ''));
  const n = nodeOf(st, 'IndexStmt');
  if (n?.idxname) {
    const index = n.relation?.schemaname ? `${ident(n.relation.schemaname)}.${ident(n.idxname)}` : ident(n.idxname);
    return `DROP INDEX ${n.concurrent ? 'CONCURRENTLY ' : ''}IF EXISTS ${index};`;
  }
  const alter = nodeOf(st, 'AlterTableStmt');
  if (alter?.cmds?.length === 1) {
    const cmd = alter.cmds[0].AlterTableCmd ?? {};
    const table = relation(alter.relation);
    if (cmd.subtype === 'AT_AddConstraint' && cmd.def?.Constraint?.conname) return `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${ident(cmd.def.Constraint.conname)};`;
    if (cmd.subtype === 'AT_SetNotNull') return `ALTER TABLE ${table} ALTER COLUMN ${ident(cmd.name ?? '')} DROP NOT NULL;`;
  }
  return undefined;
}

/** A short name for a migration from its first statement: `create_index_concurrently_users_email_idx`. */
function slugOf(sql: string): string {
  const words = sql.replace(/--[^\n]*/g, ' ').toLowerCase().match(/[a-z0-9_]+/g) ?? [];
  return words.slice(0, 4).join('_').slice(0, 60).replace(/_+$/, '') || 'moved';
}

/** Statements that must run outside a transaction block: each goes alone into its own migration. */
const needsNoTransaction = (text: string): boolean => (/\bCONCURRENTLY\b/i.test(text) && !/^\s*REFRESH\b/i.test(text)) || /^\s*ALTER\s+TYPE\b[\s\S]*\bADD\s+VALUE\b/i.test(text);

/**
 * New migrations that take `sql` (one or more statements) out of a file the tool runs in one
 * transaction, named and marked the way the tool expects (its module's `ownMigration`): a
 * statement that cannot run in a transaction block alone in its own, the others together.
 * Undefined when the tool has no such naming, the file's place is unknown, or a file would
 * already exist.
 */
export function ownMigration(file: FileFacts, sql: string): { files: NewFile[]; note: string } | undefined {
  const tool = toolById(file.context.framework)?.sql;
  const where = file.context.location;
  if (!tool?.ownMigration || !where) return undefined;
  const statements = parseFileInFull(sql).statements;
  if (!statements.length || statements.some((st) => st.kind === 'SyntaxError')) return undefined;
  const groups: { statements: Statement[]; noTransaction: boolean }[] = [];
  for (const st of statements) {
    const alone = needsNoTransaction(st.text);
    const last = groups[groups.length - 1];
    if (!alone && last && !last.noTransaction) last.statements.push(st);
    else groups.push({ statements: [st], noTransaction: alone });
  }
  const from = tool.folder ? `${where.folder}/${where.base}` : where.base;
  const migrations: OwnMigration[] = groups.map((g) => {
    const why = g.noTransaction ? `it cannot run inside the transaction ${file.context.framework} runs that file in` : `it must commit apart from that migration`;
    const undo = g.statements.map(undoOf);
    const down = undo.every((u) => u === undefined)
      ? `-- nothing to undo: ${g.statements.map((st) => st.text.split(/\s+/).slice(0, 3).join(' ')).join('; ')} leaves nothing to revert here\n`
      : `${undo.filter((u): u is string => u !== undefined).reverse().join('\n')}\n`;
    return { up: `-- Moved out of ${from}: ${why}.\n${g.statements.map((st) => `${st.text};`).join('\n')}\n`, down, noTransaction: g.noTransaction };
  });
  const files = tool.ownMigration({ base: where.base, folder: where.folder, slug: slugOf(statements[0].text), migrations, names: (relative) => where.probe.list?.(relative) ?? [] });
  if (!files.length || files.some((f) => where.probe.exists(f.path))) return undefined;
  const shown = files.filter((f) => !/(^|\/)(down\.sql|metadata\.toml)$|\.down\.sql$|\.conf$|(^|\/)U[^/]*$/.test(f.path)).map((f) => f.path.replace(/^\.\.\//, ''));
  return { files, note: shown.length > 1 ? `moved to migrations of their own: ${shown.join(', ')}` : `moved to its own migration ${shown[0]}` };
}

/** The edit that carries new files without changing this one (at the end of the statement). */
function carrier(s: StatementFacts, files: NewFile[]): OffsetEdit {
  const at = s.statement.terminatorEnd ?? s.statement.end;
  return { start: at, end: at, newText: '', files };
}

/**
 * Edits that put `sql` where it runs outside the statement's transaction: right after the
 * statement when it runs on its own, after the COMMIT of an explicit BEGIN block, and nowhere
 * (with the reason) when the migration tool wraps the whole file.
 */
export function afterTransaction(file: FileFacts, s: StatementFacts, sql: string): Placement {
  if (s.toolTransaction) {
    // The tool's transaction: switch it off for this part of the file, if the tool can, or put
    // `sql` in a migration of its own.
    const out = toolOptOut(file, s, false);
    if (!out) {
      const own = ownMigration(file, sql);
      return own ? { edits: [carrier(s, own.files)], moved: false, note: own.note } : { disabled: toolReason(file) };
    }
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
    const out = toolOptOut(file, s, aloneInSegment(file, s) && parseFileInFull(sql).statements.length === 1);
    if (!out) {
      // The statement leaves the file for a migration of its own.
      const own = ownMigration(file, sql);
      if (!own) return { disabled: toolReason(file) };
      // Alone in the file, the statement leaves a comment saying where it went: an empty up.sql is an
      // error for Diesel (EmptyMigration), and an empty file says nothing to a reader.
      const alone = file.statements.every((o) => o === s);
      const edit = alone ? { ...replaceStatement(s, `-- ${own.note.replace(/^m/, 'M')}.`), files: own.files } : { ...removeStatement(file, s), files: own.files };
      return { edits: [edit], moved: false, note: own.note };
    }
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
export function defaultName(...parts: (string | undefined)[]): string {
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
export function typeSpan(s: StatementFacts, column: Of<'ColumnDef'>): { start: number; end: number } | undefined {
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
    const out = toolOptOut(file, s, false);
    if (!out) {
      // `now` stays; `later` goes to a migration of its own, which commits apart from this one.
      const own = ownMigration(file, later.join('\n'));
      return own ? { edits: [...edits, carrier(s, own.files)], moved: false, note: own.note } : { disabled: toolReason(file) };
    }
    edits[edits.length - 1].newText += `\n${later.join('\n')}`;
    return { edits: [out.edit, ...edits], moved: false, note: out.note };
  }
  const placed = afterTransaction(file, s, later.join('\n'));
  if ('disabled' in placed) return placed;
  return { edits: [...edits, ...placed.edits], moved: true };
}

/** What the type change is in schema.prisma, from the new SQL type (Prisma's PostgreSQL type mapping). */
function prismaSchemaFor(newType: string): string | undefined {
  if (/^timestamptz/i.test(newType)) return 'mark the DateTime field @db.Timestamptz';
  if (/^\w+ GENERATED BY DEFAULT AS IDENTITY/i.test(newType)) return `make the field ${/^bigint/i.test(newType) ? 'BigInt' : 'Int'} @default(autoincrement()) (Prisma writes a serial column: keep the identity by editing the generated SQL)`;
  if (/^bigint/i.test(newType)) return 'make the field BigInt';
  if (/^text CHECK/i.test(newType)) return 'drop @db.VarChar from the String field (Prisma has no CHECK attribute: keep the CHECK in the SQL)';
  if (/^text/i.test(newType)) return 'drop @db.Char / @db.VarChar from the String field';
  return undefined;
}

/** A fix that replaces a column's type. */
export function retype(s: StatementFacts, column: Of<'ColumnDef'>, newType: string, title: string, safety: 'safe' | 'unsafe'): { title: string; safety: 'safe' | 'unsafe'; edits: OffsetEdit[]; prismaSchema?: string }[] {
  const span = typeSpan(s, column);
  if (!span || column.typeName?.arrayBounds?.length) return [];
  const prisma = prismaSchemaFor(newType);
  return [{ title, safety, edits: [{ start: span.start, end: span.end, newText: newType }], ...(prisma ? { prismaSchema: prisma } : {}) }];
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

/**
 * ADD COLUMN with inline FOREIGN KEY / CHECK constraints that are validated on every row, split
 * into the column alone, each constraint added NOT VALID (no scan), and VALIDATE CONSTRAINT where
 * it commits apart from the ADD (the NOT VALID split). Undefined when a clause cannot be found.
 */
export function splitInlineConstraints(file: FileFacts, s: StatementFacts, cmd: { start: number; end: number; node: Of<'AlterTableCmd'>; tokens: Token[] }, relation: string, constraints: Of<'Constraint'>[]): Placement | undefined {
  const column = cmd.node.def?.ColumnDef ?? {};
  const table = nodeOf(s.statement, 'AlterTableStmt')?.relation?.relname;
  const tokens = cmd.tokens;
  const spans: { start: number; end: number }[] = [];
  const now: string[] = [];
  const later: string[] = [];
  for (const c of constraints) {
    let i = tokenIndexAt(tokens, s.statement.at(c.location ?? -1));
    if (i < 0) return undefined;
    const start = tokens[i].start;
    if (tokens[i].keyword === 'CONSTRAINT') i += 2;
    if (!tokens[i] || !['REFERENCES', 'CHECK'].includes(tokens[i].keyword)) return undefined;
    const body = clauseSpan(tokens, i, cmd.end);
    spans.push({ start, end: body.end });
    const name = c.conname ?? defaultName(table, column.colname, c.contype === 'CONSTR_FOREIGN' ? 'fkey' : 'check');
    const clause = file.parsed.text.slice(body.start, body.end);
    now.push(`ALTER TABLE ${relation} ADD CONSTRAINT ${ident(name)} ${c.contype === 'CONSTR_FOREIGN' ? `FOREIGN KEY (${ident(column.colname ?? '')}) ` : ''}${clause} NOT VALID;`);
    later.push(`ALTER TABLE ${relation} VALIDATE CONSTRAINT ${ident(name)};`);
  }
  let text = '';
  let at = cmd.start;
  for (const span of spans.sort((a, b) => a.start - b.start)) {
    text += file.parsed.text.slice(at, span.start).replace(/\s+$/, '');
    at = span.end;
  }
  text += file.parsed.text.slice(at, cmd.end);
  const index = s.commands.findIndex((c) => c.start === cmd.start);
  return splitCommand(file, s, index, [`ALTER TABLE ${relation} ${text};`, ...now], later);
}
