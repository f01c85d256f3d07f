/**
 * The parse tree's types, from `@pgsql/types` (the types of libpg-query's own JSON output).
 *
 * libpg-query wraps every node in an object keyed by its type (`{ IndexStmt: { ... } }`).
 * `@pgsql/types` spells that as a union of one-key objects, which makes every access a type
 * narrowing. Here a node is the same object seen as "any of these keys may be present": reading
 * `node.IndexStmt` gives `IndexStmt | undefined`, and a misspelt type or field does not compile.
 */
import type * as T from '@pgsql/types';

/** Every node type name: `IndexStmt`, `AlterTableCmd`, `String`, ... */
export type NodeTag = T.Node extends infer U ? (U extends unknown ? keyof U : never) : never;

/** The payload of a node type, with its child nodes typed as `Node`. */
export type Of<K extends NodeTag> = Deep<Extract<T.Node, Record<K, unknown>>[K]>;

type Deep<X> = X extends T.Node ? Node : X extends (infer E)[] ? Deep<E>[] : X extends object ? { [P in keyof X]: Deep<X[P]> } : X;

/** A parse-tree node: at most one of these keys is present, as libpg-query returns it. */
export type Node = { [K in NodeTag]?: Of<K> };

/** The statement's node when it is of this type: `nodeOf(statement, 'IndexStmt')?.concurrent`. */
export function nodeOf<K extends NodeTag>(statement: { kind: string; node?: unknown }, kind: K): Of<K> | undefined {
  return statement.kind === kind ? (statement.node as Of<K>) : undefined;
}

/** The string of a `String` node list, joined with dots: `public.users`. */
export function dotted(items: Node[] | undefined): string {
  return (items ?? []).map((i) => i.String?.sval ?? '').join('.');
}
