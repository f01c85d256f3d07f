/**
 * Facts in words, for the hover, the CodeLens and `explain`: the same facts the rules read, so
 * what the editor says and what a rule reports cannot disagree.
 */
import { nodeOf } from './ast';
import { FileFacts, INDEX_TABLE, LockFact, relationKey, StatementFacts } from './facts';
import { blocksInWords, blocksReads, LockMode, lockName, strength } from './locks';
import { LOCK_TABLE, LockEntryId } from './locktable';
import { inBody } from './plpgsql';
import { LineMap } from './positions';

const lineOf = (lines: LineMap, s: StatementFacts) => lines.position(s.statement.start).line + 1;

/** The first words of a statement: `ALTER TABLE users`. */
export function statementHead(s: StatementFacts): string {
  return s.statement.text.split(/\s+/).slice(0, 3).join(' ');
}

/** The statement as a heading, in SQL: `CREATE INDEX users_email_idx ON users (email)`, cut at a word near 70 characters. */
export function statementTitle(s: StatementFacts): string {
  const text = s.statement.text.replace(/\s+/g, ' ').trim();
  if (text.length <= 70) return text;
  const cut = text.lastIndexOf(' ', 70);
  return `${text.slice(0, cut > 30 ? cut : 70)} …`;
}

/** The mode other sessions meet while the statement works: its own, or a stronger one the transaction already holds. */
export const effectiveMode = (l: LockFact) => l.alreadyHeld?.mode ?? l.mode;

/** The lock table entries a statement is (locktable.ts). */
export const entriesOf = (s: StatementFacts) => s.forms.map((id) => LOCK_TABLE[id as LockEntryId]).filter(Boolean);

/**
 * What a lock the statement takes blocks, in words: the mode's words, unless the statement's entry
 * says more (REINDEX's SHARE on a table does not let reads continue: its indexes are ACCESS
 * EXCLUSIVE, and the planner locks every index of the table).
 */
export function lockWords(s: StatementFacts, mode: LockMode): string {
  const special = blocksReads(mode) ? undefined : entriesOf(s).find((e) => e.blocks)?.blocks;
  return special ?? blocksInWords(mode);
}

/** Whether a statement destroys data, and whether it can come back. */
function dataLoss(s: StatementFacts): string | undefined {
  const gone = 'cannot come back after COMMIT except from a backup';
  if (nodeOf(s.statement, 'DropStmt')?.removeType === 'OBJECT_TABLE') return `the table's rows ${gone}; a down migration would re-create it empty.`;
  if (s.kind === 'TruncateStmt') return `every row ${gone}.`;
  if (s.kind === 'AlterTableStmt' && s.commands.some((c) => c.subtype === 'AT_DropColumn')) return `the column's values ${gone}; a down migration would re-add the column empty.`;
  const dml = nodeOf(s.statement, 'DeleteStmt') ?? nodeOf(s.statement, 'UpdateStmt');
  if (dml && !dml.whereClause) return `the old values ${gone}.`;
  return undefined;
}

/** Widest CodeLens line: the full list of locks is in the hover. */
const LENS_WIDTH = 90;

/**
 * The CodeLens, where the lock is worth a glance: a rewrite or a full scan under the lock, or
 * ACCESS EXCLUSIVE on a table in use held longer than an instant (until a COMMIT, or a block's
 * end). An instant metadata change on its own (a nullable ADD COLUMN, a SET DEFAULT) gets none:
 * a lens on every line is noise. Cut to the editor's width.
 */
export function lensTitle(s: StatementFacts): string {
  const exclusive = s.locks.some((l) => l.existing && effectiveMode(l) === 'AccessExclusiveLock');
  const worth = s.rewrites.length > 0 || s.scans.length > 0 || (exclusive && s.inTransaction);
  if (!worth) return '';
  const title = shortForm(s);
  return title.length > LENS_WIDTH ? `${title.slice(0, LENS_WIDTH - 1).replace(/[ ,·]+[^ ,·]*$/, '')} …` : title;
}

/** One line for the CodeLens: `ACCESS EXCLUSIVE users · rewrite`. Empty when nothing is locked. */
export function shortForm(s: StatementFacts): string {
  // The effective lock leads: inside a transaction, one held since an earlier statement can be stronger.
  const locks = [...s.locks].filter((l) => l.existing).sort((a, b) => strength(effectiveMode(b)) - strength(effectiveMode(a)));
  if (locks.length === 0) return '';
  const parts = [
    [...locks.map((l) => `${lockName(effectiveMode(l))} ${l.relation}${l.alreadyHeld ? ' (held)' : ''}`), ...s.implicitLocks.filter((i) => i.on === INDEX_TABLE).map((i) => `${lockName(i.mode)} ${i.on}`)].join(', '),
  ];
  if (s.rewrites.length) parts.push('rewrite');
  else if (s.scans.length) parts.push('full scan');
  const held = s.heldAfter.filter((h) => !locks.some((l) => l.relation === h.relation));
  if (held.length) parts.push(`transaction holds ${held.map((h) => `${lockName(h.mode)} ${h.relation}`).join(', ')}`);
  return parts.join(' · ');
}

/**
 * Where a statement of a PL/pgSQL body runs, in words: its block, the conditions and loops around
 * it, how EXECUTE runs it, and the transaction it is in.
 */
function bodyNotes(s: StatementFacts, lines?: LineMap): string[] {
  if (!s.block || !inBody(s.statement)) return [];
  const place = s.statement.body;
  const line = lines ? ` on line ${lines.position(place.container.start).line + 1}` : '';
  const out = [`In the ${place.routine}${line}${s.block.runner !== place.container.index ? ', run by the statement that calls it' : ''}.`];
  if (place.conditions.length) out.push(`**Conditional:** runs only ${place.conditions.map((c) => (c.startsWith('EXCEPTION') ? `when the block fails (${c})` : `if ${c.replace(/^(IF|ELSIF|CASE WHEN) /, '')}`)).join(', and ')}; analysed as if it runs.`);
  if (place.loops.length) out.push(`**In a loop:** ${place.loops.join(' › ')}: runs once per iteration${place.committingLoop ? ', and the loop COMMITs each time round: a batched change, one transaction per batch' : ', all in one transaction'}.`);
  if (place.executed) {
    const how = place.executed.form === 'literal' ? 'EXECUTE of a string literal' : 'EXECUTE of SQL built from a literal';
    out.push(`**Run through ${how}**${place.executed.unknown.length ? `: values known only at run time (${place.executed.unknown.join(', ')}) stand as <name>` : ''}.`);
  }
  if (place.read) out.push('Evaluated to read (a condition, a loop query, PERFORM or an assignment).');
  return out;
}

/** A DO block (or a CALL / SELECT running a routine of the migration): what its body holds. */
function runnerNotes(s: StatementFacts, lines?: LineMap): string[] {
  if (!s.routines?.length) return [];
  const out: string[] = [];
  for (const body of s.routines) {
    if (body.error) {
      out.push(`Not analysed: ${body.error.message}.`);
      continue;
    }
    const statements = body.statements.filter((b) => !b.body.read);
    const span = lines && statements.length ? ` (lines ${lines.position(statements[0].start).line + 1}-${lines.position(statements[statements.length - 1].end).line + 1})` : '';
    const commits = statements.filter((b) => b.kind === 'TransactionStmt').length;
    out.push(
      `${body.routine[0].toUpperCase()}${body.routine.slice(1)}: ${statements.length} statement${statements.length === 1 ? '' : 's'} analysed inside${span}; the locks below are their union` +
        `${commits ? `; it ends its transaction ${commits} time${commits === 1 ? '' : 's'} (COMMIT / ROLLBACK)` : ''}` +
        `${body.dynamic.length ? `; ${body.dynamic.length} EXECUTE of SQL built at run time not analysed` : ''}.`,
    );
  }
  return out;
}

export function describeStatement(s: StatementFacts, lines?: LineMap, file?: FileFacts): string {
  const out: string[] = [];
  out.push(`**\`${statementTitle(s).replace(/`/g, "'")}\`**`);
  out.push('');
  const notes = [...bodyNotes(s, lines), ...runnerNotes(s, lines)];
  if (notes.length) out.push(...notes, '');
  if (s.kind === 'SyntaxError') {
    out.push(`Not analysed: ${s.statement.error?.message ?? 'syntax error'}.`);
    return out.join('\n');
  }
  const transaction = nodeOf(s.statement, 'TransactionStmt')?.kind ?? '';
  if (s.kind === 'TransactionStmt' && s.block?.fails) {
    const why = { 'transaction block': 'the block runs inside a transaction block', subtransaction: 'it is inside a BEGIN ... EXCEPTION block (a subtransaction)', function: 'a function cannot end its transaction' }[s.block.fails];
    out.push(`Fails when it runs: ${why}, and PostgreSQL stops the migration.`);
    return out.join('\n');
  }
  if (['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE'].includes(transaction)) {
    const since = (l: LockFact) => (lines && file && l.since !== undefined ? ` (since line ${lineOf(lines, file.statements[l.since])})` : '');
    out.push(
      s.heldBefore.length
        ? `Ends the transaction and releases: ${s.heldBefore.map((l) => `${lockName(l.mode)} on \`${l.relation}\`${since(l)}`).join(', ')}.`
        : 'Ends the transaction; it holds no table lock.',
    );
    return out.join('\n');
  }
  if (['TRANS_STMT_BEGIN', 'TRANS_STMT_START'].includes(transaction) && !s.inTransaction) {
    out.push('Opens a transaction block: every lock a statement takes from here is held until COMMIT or ROLLBACK.');
    return out.join('\n');
  }
  const ownBlock = s.block && !s.block.inTransactionBlock;
  const until = ownBlock ? `held until the ${s.block!.routine}'s next COMMIT or its end` : s.inTransaction ? 'held until the transaction ends' : 'released when the statement ends';
  if (s.locks.length === 0 && s.implicitLocks.length === 0) out.push('Takes no lock on a table.');
  for (const l of s.locks) {
    const isNew = l.existing ? '' : ' (created earlier in this migration: nobody else is waiting on it)';
    if (l.alreadyHeld) {
      const since = lines && file ? ` since line ${lineOf(lines, file.statements[l.alreadyHeld.since])}` : ' since an earlier statement';
      out.push(`- **${lockName(l.alreadyHeld.mode)}** on \`${l.relation}\` (${l.role}), held by the transaction${since}: ${lockWords(s, l.alreadyHeld.mode)} for as long as this statement works; ${until}${isNew}. The statement itself asks for ${lockName(l.mode)}.`);
      continue;
    }
    out.push(`- **${lockName(l.mode)}** on \`${l.relation}\` (${l.role}): ${lockWords(s, l.mode)}; ${until}${isNew}.`);
  }
  for (const i of s.implicitLocks) out.push(`- **${lockName(i.mode)}** on ${i.on}${i.scanned ? ', read in full' : ''}.`);
  for (const r of s.rewrites) out.push(`- **Rewrites** \`${r}\`: every row and index is copied into new storage while the lock is held.`);
  for (const r of s.scans) out.push(`- **Scans** \`${r}\` in full while the lock is held.`);
  for (const c of s.caveats) out.push(`- _Version:_ ${c}`);
  for (const e of entriesOf(s).filter((e) => e.blocks)) out.push(`- _${e.form}:_ ${e.wording} ([PostgreSQL docs](${e.docs}))`);
  const lost = dataLoss(s);
  if (lost) out.push(`- _Data:_ ${lost}`);
  out.push('');
  if (ownBlock) {
    out.push(`Runs in the ${s.block!.routine}'s own transaction (the block runs outside a transaction block): every lock is held until the block COMMITs or ends.`);
    const held = s.heldAfter;
    if (held.length) out.push(`That transaction now holds: ${held.map((l) => `${lockName(l.mode)} on \`${l.relation}\``).join(', ')}.`);
  } else if (s.inTransaction) {
    const where = s.toolTransaction && file ? ` (${file.context.framework === 'plain' ? "the migration tool's" : `${file.context.framework}'s`})` : '';
    out.push(`Runs inside a transaction block${where}: every lock is held until COMMIT.`);
    const held = s.heldAfter;
    if (held.length) {
      const since = (l: LockFact) => (lines && file && l.since !== undefined && l.since !== s.statement.index ? ` since line ${lineOf(lines, file.statements[l.since])}` : '');
      out.push(`The transaction now holds: ${held.map((l) => `${lockName(l.mode)} on \`${l.relation}\`${since(l)}`).join(', ')}.`);
    }
  } else {
    out.push('Runs on its own (autocommit): its locks are released when it ends.');
  }
  const byRunner = file?.settings.timeoutsInForce ? ' (in force from the start: set by the runner or the role, setting timeoutsInForce)' : '';
  out.push(`lock_timeout: ${s.lockTimeout ?? 'not set'} · statement_timeout: ${s.statementTimeout ?? 'not set'}${byRunner}`);
  return out.join('\n');
}

/**
 * The facts a position is in: the statement of a PL/pgSQL body there (a DO block's, or a called
 * routine's) when there is one, else the top-level statement's `outer`.
 */
export function factsAt(file: FileFacts, outer: StatementFacts, offset: number): StatementFacts {
  const inside = (f: StatementFacts) => f.statement.start <= offset && offset <= (f.statement.terminatorEnd ?? f.statement.end);
  for (const s of file.statements) {
    if (!s.inner) continue;
    const found = [...s.inner].reverse().find(inside);
    if (found) return found;
  }
  return outer;
}

/**
 * Every statement with facts, in order: each DO block (or CALL / SELECT running a routine of the
 * migration) followed by the statements its body runs (conditions and other reads left out).
 */
export function withBodies(file: FileFacts): StatementFacts[] {
  return file.statements.flatMap((s) => (s.inner ? [s, ...s.inner.filter((f) => !(inBody(f.statement) && f.statement.body.read))] : [s]));
}

/** Hover on a table name: what this migration does to it, statement by statement. */
const keyOfName = (n: string) => relationKey({ schemaname: n.includes('.') ? n.split('.')[0] : undefined, relname: n.split('.').pop() });

/** Per file, the statements that lock each relation (by key): a hover on a name looks it up. */
const lockIndex = new WeakMap<FileFacts, Map<string, StatementFacts[]>>();
function statementsLocking(file: FileFacts, key: string): StatementFacts[] {
  let index = lockIndex.get(file);
  if (!index) {
    index = new Map();
    // A DO block's statements, each on its own line, rather than the block's union of them.
    for (const s of file.statements.flatMap((f) => f.inner ?? [f])) {
      for (const k of new Set(s.locks.map((l) => keyOfName(l.relation)))) {
        const list = index.get(k);
        if (list) list.push(s);
        else index.set(k, [s]);
      }
    }
    lockIndex.set(file, index);
  }
  return index.get(key) ?? [];
}

export function describeRelation(file: FileFacts, name: string, lines: LineMap): string | undefined {
  const wanted = keyOfName(name);
  const rows: string[] = [];
  for (const s of statementsLocking(file, wanted)) {
    for (const l of s.locks) {
      if (keyOfName(l.relation) !== wanted) continue;
      const extra = [s.rewrites.includes(l.relation) ? 'rewrite' : '', s.scans.includes(l.relation) ? 'full scan' : ''].filter(Boolean);
      const held = s.inTransaction ? ', held until COMMIT' : '';
      rows.push(`- line ${lineOf(lines, s)}: ${statementHead(s)} — **${lockName(l.mode)}**${extra.length ? ` (${extra.join(', ')})` : ''}${held}`);
    }
  }
  if (rows.length === 0) return undefined;
  return [`**\`${name}\`** in this migration:`, '', ...rows].join('\n');
}

/** The locks a statement takes, in one line: `ACCESS EXCLUSIVE users, SHARE ROW EXCLUSIVE orders`. */
function taken(s: StatementFacts): string {
  return [...s.locks.map((l) => `${lockName(l.mode)} ${l.relation}`), ...s.implicitLocks.map((i) => `${lockName(i.mode)} ${i.on}`)].join(', ');
}

/** `explain`'s lock timeline: each transaction, what every statement adds, and what is held until COMMIT. */
export function timeline(file: FileFacts, lines: LineMap): string {
  const out: string[] = [];
  let open: StatementFacts[] = [];
  let begin: StatementFacts | undefined;
  const flush = (end?: StatementFacts, until?: string) => {
    if (!open.length) return;
    const first = begin ?? open[0];
    begin = undefined;
    const last = open[open.length - 1];
    const held = last.heldAfter;
    const how = first.block && !first.block.inTransactionBlock ? `the ${first.block.routine}'s own` : first.toolTransaction ? `the migration tool's (${file.context.framework})` : 'explicit';
    out.push(`Transaction, lines ${lineOf(lines, first)}-${lineOf(lines, end ?? last)} (${how}):`);
    for (const s of open) {
      const work = [s.rewrites.length ? `rewrites ${s.rewrites.join(', ')}` : '', s.scans.length ? `scans ${s.scans.join(', ')}` : ''].filter(Boolean).join('; ');
      out.push(`  line ${lineOf(lines, s)}  ${statementHead(s)}${taken(s) ? `  + ${taken(s)}` : ''}${work ? `  (${work})` : ''}`);
    }
    out.push(`  held until ${until ?? (end ? (nodeOf(end.statement, 'TransactionStmt')?.kind === 'TRANS_STMT_ROLLBACK' ? 'ROLLBACK' : 'COMMIT') : 'the end of the file')}: ${held.length ? held.map((l) => `${lockName(l.mode)} ${l.relation}`).join(', ') : 'no table lock'}`);
    open = [];
  };
  const ENDS = ['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE'];
  // A DO block (or a called routine) stands for the statements of its body.
  const statements = file.statements.flatMap((s) => (s.inner ? s.inner.filter((f) => !(inBody(f.statement) && f.statement.body.read)) : [s]));
  for (const s of statements) {
    // The end of a block that ran in its own transaction ends that transaction.
    const last = open[open.length - 1];
    if (last?.block && !last.block.inTransactionBlock && s.block?.runner !== last.block.runner) flush(undefined, `the end of the ${last.block.routine}`);
    if (ENDS.includes(nodeOf(s.statement, 'TransactionStmt')?.kind ?? '') && !s.block?.fails) {
      flush(s);
      continue;
    }
    if (s.inTransaction) {
      open.push(s);
      continue;
    }
    flush();
    if (s.kind === 'TransactionStmt') begin = s;
    if (taken(s)) out.push(`line ${lineOf(lines, s)}  ${statementHead(s)}  (autocommit)  ${taken(s)}, released when it ends`);
  }
  const last = open[open.length - 1];
  flush(undefined, last?.block && !last.block.inTransactionBlock ? `the end of the ${last.block.routine}` : undefined);
  return out.join('\n');
}
