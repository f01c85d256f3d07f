/**
 * Helpers over libpg-query's parse tree: names of relations as the SQL writes them, constants,
 * options, the relations a tree reads, the subcommands of an ALTER TABLE and what a statement
 * creates. Pure functions of the tree; facts.ts and the rules read them.
 */
import { relationKey } from './catalog';
import { Node, nodeOf, Of } from './ast';
import { Statement, Token } from './parse';

export interface AlterCommand {
  /** `AT_AddColumn`, `AT_AddConstraint`, ... */
  subtype: string;
  node: Of<'AlterTableCmd'>;
  /** UTF-16 offsets of the subcommand's own text, from its first token to the last before `,`. */
  start: number;
  end: number;
  tokens: Token[];
}


/** The relation's name as the SQL writes it. */
export function relationName(rangeVar: Of<'RangeVar'> | undefined): string {
  if (!rangeVar) return '';
  return rangeVar.schemaname ? `${rangeVar.schemaname}.${rangeVar.relname}` : (rangeVar.relname ?? '');
}

export function namesToRelation(items: Node[]): { key: string; name: string } {
  const parts = items.map((i) => i.String?.sval as string);
  const name = parts.join('.');
  const key = parts.length > 1 && parts[0] === 'public' ? parts.slice(1).join('.') : name;
  return { key, name };
}

export function hasDefElem(params: Node[] | undefined, name: string): boolean {
  return (params ?? []).some((p) => p.DefElem?.defname === name);
}

/** A constant written in SQL, as text ('5s', '5000', '0'). */
export function constantText(node: Node | undefined): string | undefined {
  const c = node?.A_Const;
  if (!c) return undefined;
  if (c.sval) return c.sval.sval ?? '';
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.fval) return c.fval.fval;
  if (c.boolval) return String(c.boolval.boolval ?? false);
  return undefined;
}

export function constraintsOf(column: Of<'ColumnDef'>): Of<'Constraint'>[] {
  return (column.constraints ?? []).map((c) => c.Constraint).filter((c): c is Of<'Constraint'> => Boolean(c));
}

/**
 * The RangeVars a parse tree reads, in tree order. Trees are shared by statement text (the parse
 * cache) and never changed, so an unchanged statement is walked once, not on every keystroke.
 */
const rangeVarCache = new WeakMap<object, Of<'RangeVar'>[]>();
export function rangeVarsIn(node: unknown): Of<'RangeVar'>[] {
  if (!node || typeof node !== 'object') return [];
  const cached = rangeVarCache.get(node);
  if (cached) return cached;
  const out: Of<'RangeVar'>[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const rangeVar = (n as Node).RangeVar;
    if (rangeVar) out.push(rangeVar);
    for (const [key, value] of Object.entries(n as Node)) {
      // The statement's own targets are locked above; `relation` fields are RangeVars without the wrapper.
      if (['relation', 'rel', 'view', 'table', 'pktable', 'name', 'sequence'].includes(key)) continue;
      walk(value);
    }
  };
  walk(node);
  rangeVarCache.set(node, out);
  return out;
}

/** Splits an ALTER TABLE's tokens into its subcommands, at commas outside parentheses. */
export function alterCommands(statement: Statement): AlterCommand[] {
  const n = nodeOf(statement, 'AlterTableStmt') ?? {};
  const cmds = (n.cmds ?? []).map((c) => c.AlterTableCmd ?? {});
  const relStart = statement.at(n.relation?.location ?? 0);
  let i = statement.tokens.findIndex((t) => t.start === relStart);
  const spans: Token[][] = [];
  if (i >= 0) {
    while (statement.tokens[i + 1]?.text === '.') i += 2;
    let depth = 0;
    let current: Token[] = [];
    for (const t of statement.tokens.slice(i + 1)) {
      if (t.text === '(') depth++;
      if (t.text === ')') depth--;
      if (t.text === ',' && depth === 0) {
        spans.push(current);
        current = [];
      } else current.push(t);
    }
    spans.push(current);
  }
  const aligned = spans.length === cmds.length && spans.every((s) => s.length > 0);
  return cmds.map((node, k) => {
    const tokens = aligned ? spans[k] : statement.tokens;
    return { subtype: node.subtype as string, node, tokens, start: tokens[0].start, end: tokens[tokens.length - 1].end };
  });
}

/** Relations a statement creates (tables, views, indexes), by key. */
export function createdBy(statement: Statement): string[] {
  const create = nodeOf(statement, 'CreateStmt');
  if (create) return [relationKey(create.relation)];
  const createAs = nodeOf(statement, 'CreateTableAsStmt');
  if (createAs) return [relationKey(createAs.into?.rel)];
  const view = nodeOf(statement, 'ViewStmt');
  if (view) return view.replace ? [] : [relationKey(view.view)];
  const n = nodeOf(statement, 'IndexStmt');
  if (n) {
    if (!n.idxname) return [];
    return [n.relation?.schemaname && n.relation.schemaname !== 'public' ? `${n.relation.schemaname}.${n.idxname}` : n.idxname];
  }
  return [];
}
