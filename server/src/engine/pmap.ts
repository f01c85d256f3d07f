/**
 * A persistent (immutable, structurally shared) map from strings to values: a hash array mapped
 * trie (Bagwell, "Ideal Hash Trees", 2001). `set` and `delete` return a new map that shares every
 * node off the changed path with the old one, so keeping the catalog as it was before each of
 * 16,000 statements costs O(log n) new nodes per statement instead of a copy of every table.
 *
 * Iteration order follows the hash, not insertion: callers look tables up by name and compare
 * whole maps, never list them in order.
 */

interface Leaf<V> {
  readonly hash: number;
  readonly key: string;
  readonly value: V;
}

/** Keys whose 32-bit hashes are equal. */
interface Collision<V> {
  readonly hash: number;
  readonly leaves: readonly Leaf<V>[];
}

/** One level of the trie: a bitmap of the 32 slots in use, and their children in slot order. */
interface Branch<V> {
  readonly bitmap: number;
  readonly children: readonly TrieNode<V>[];
}

type TrieNode<V> = Leaf<V> | Collision<V> | Branch<V>;

const BITS = 5;
const MASK = (1 << BITS) - 1;

const isBranch = <V>(n: TrieNode<V>): n is Branch<V> => 'bitmap' in n;
const isCollision = <V>(n: TrieNode<V>): n is Collision<V> => 'leaves' in n;

/** FNV-1a over UTF-16 code units (exported for the collision tests). */
export function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** A branch holding two nodes whose hashes differ at or below `shift`. */
function pair<V>(shift: number, a: Leaf<V> | Collision<V>, b: Leaf<V>): TrieNode<V> {
  if (shift >= 32) return { hash: a.hash, leaves: [...(isCollision(a) ? a.leaves : [a]), b] };
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) return { bitmap: 1 << ia, children: [pair(shift + BITS, a, b)] };
  return { bitmap: (1 << ia) | (1 << ib), children: ia < ib ? [a, b] : [b, a] };
}

/** The node with `leaf` set; `added` tells whether the key was new. */
function insert<V>(node: TrieNode<V> | undefined, shift: number, leaf: Leaf<V>, added: { yes: boolean }): TrieNode<V> {
  if (!node) {
    added.yes = true;
    return leaf;
  }
  if (isBranch(node)) {
    const bit = 1 << ((leaf.hash >>> shift) & MASK);
    const at = popcount(node.bitmap & (bit - 1));
    const children = [...node.children];
    if (node.bitmap & bit) {
      const child = insert(children[at], shift + BITS, leaf, added);
      if (child === children[at]) return node;
      children[at] = child;
      return { bitmap: node.bitmap, children };
    }
    added.yes = true;
    children.splice(at, 0, leaf);
    return { bitmap: node.bitmap | bit, children };
  }
  if (node.hash === leaf.hash) {
    const leaves = isCollision(node) ? node.leaves : [node];
    const i = leaves.findIndex((l) => l.key === leaf.key);
    if (i >= 0) {
      if (leaves[i].value === leaf.value) return node;
      if (!isCollision(node)) return leaf;
      const next = [...leaves];
      next[i] = leaf;
      return { hash: node.hash, leaves: next };
    }
    added.yes = true;
    return { hash: node.hash, leaves: [...leaves, leaf] };
  }
  added.yes = true;
  return pair(shift, node, leaf);
}

/** The node without `key` (undefined when nothing is left), or the same node when the key is absent. */
function remove<V>(node: TrieNode<V>, shift: number, hash: number, key: string): TrieNode<V> | undefined {
  if (isBranch(node)) {
    const bit = 1 << ((hash >>> shift) & MASK);
    if (!(node.bitmap & bit)) return node;
    const at = popcount(node.bitmap & (bit - 1));
    const child = remove(node.children[at], shift + BITS, hash, key);
    if (child === node.children[at]) return node;
    if (child === undefined) {
      if (node.children.length === 1) return undefined;
      const children = node.children.filter((_, i) => i !== at);
      // A branch left with one leaf collapses into it (leaves can sit at any level).
      if (children.length === 1 && !isBranch(children[0])) return children[0];
      return { bitmap: node.bitmap & ~bit, children };
    }
    const children = [...node.children];
    children[at] = child;
    if (children.length === 1 && !isBranch(child)) return child;
    return { bitmap: node.bitmap, children };
  }
  if (node.hash !== hash) return node;
  if (!isCollision(node)) return node.key === key ? undefined : node;
  const leaves = node.leaves.filter((l) => l.key !== key);
  if (leaves.length === node.leaves.length) return node;
  return leaves.length === 1 ? leaves[0] : { hash, leaves };
}

function* walk<V>(node: TrieNode<V> | undefined): Generator<Leaf<V>> {
  if (!node) return;
  if (isBranch(node)) for (const c of node.children) yield* walk(c);
  else if (isCollision(node)) yield* node.leaves;
  else yield node;
}

export class PersistentMap<V> implements ReadonlyMap<string, V> {
  private constructor(
    private readonly root: TrieNode<V> | undefined,
    readonly size: number,
  ) {}

  static empty<V>(): PersistentMap<V> {
    return new PersistentMap<V>(undefined, 0);
  }

  static from<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    let map = PersistentMap.empty<V>();
    for (const [k, v] of entries) map = map.set(k, v);
    return map;
  }

  /** The leaf holding `key`, if any. */
  private leaf(key: string): Leaf<V> | undefined {
    const hash = hashOf(key);
    let node = this.root;
    for (let shift = 0; node; shift += BITS) {
      if (isBranch(node)) {
        const bit = 1 << ((hash >>> shift) & MASK);
        if (!(node.bitmap & bit)) return undefined;
        node = node.children[popcount(node.bitmap & (bit - 1))];
      } else if (isCollision(node)) return node.hash === hash ? node.leaves.find((l) => l.key === key) : undefined;
      else return node.key === key ? node : undefined;
    }
    return undefined;
  }

  get(key: string): V | undefined {
    return this.leaf(key)?.value;
  }

  has(key: string): boolean {
    return this.leaf(key) !== undefined;
  }

  /** A map with `key` set to `value`; this one is unchanged. */
  set(key: string, value: V): PersistentMap<V> {
    const added = { yes: false };
    const root = insert(this.root, 0, { hash: hashOf(key), key, value }, added);
    return root === this.root ? this : new PersistentMap(root, this.size + (added.yes ? 1 : 0));
  }

  /** A map without `key`; this one is unchanged. */
  delete(key: string): PersistentMap<V> {
    if (!this.root) return this;
    const root = remove(this.root, 0, hashOf(key), key);
    return root === this.root ? this : new PersistentMap(root, this.size - 1);
  }

  *entries(): MapIterator<[string, V]> {
    for (const l of walk(this.root)) yield [l.key, l.value];
  }

  *keys(): MapIterator<string> {
    for (const l of walk(this.root)) yield l.key;
  }

  *values(): MapIterator<V> {
    for (const l of walk(this.root)) yield l.value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const l of walk(this.root)) callback(l.value, l.key, this);
  }

  /**
   * Whether two maps hold the same keys with values `same` calls equal. Subtrees the two share
   * are skipped without a look, so comparing two versions of one map costs the changed paths.
   */
  equals(other: PersistentMap<V>, same: (a: V, b: V) => boolean): boolean {
    if (this === other) return true;
    if (this.size !== other.size) return false;
    const compare = (a: TrieNode<V> | undefined, b: TrieNode<V> | undefined): boolean => {
      if (a === b) return true;
      if (a && b && isBranch(a) && isBranch(b) && a.bitmap === b.bitmap) return a.children.every((c, i) => compare(c, b.children[i]));
      // Different shapes over the same hash prefix: the same keys must sit below both.
      const left = [...walk(a)];
      const right = new Map([...walk(b)].map((l) => [l.key, l.value]));
      return left.length === right.size && left.every((l) => right.has(l.key) && same(l.value, right.get(l.key)!));
    };
    return compare(this.root, other.root);
  }

  /**
   * Adds to `out` every key whose entry differs between this map and `other`: set in one only, or
   * set anew in either (an entry set to the same value object is kept as it was). Subtrees the two
   * share are skipped, so for two versions of one map this costs the changed paths.
   */
  changedKeys(other: PersistentMap<V>, out: Set<string>): void {
    const diff = (a: TrieNode<V> | undefined, b: TrieNode<V> | undefined): void => {
      if (a === b) return;
      if (a && b && isBranch(a) && isBranch(b)) {
        for (let bits = a.bitmap | b.bitmap; bits !== 0; bits &= bits - 1) {
          const bit = bits & -bits;
          diff(a.bitmap & bit ? a.children[popcount(a.bitmap & (bit - 1))] : undefined, b.bitmap & bit ? b.children[popcount(b.bitmap & (bit - 1))] : undefined);
        }
        return;
      }
      // Different shapes over the same hash prefix: the leaves below both, by key.
      const left = new Map<string, Leaf<V>>();
      for (const l of walk(a)) left.set(l.key, l);
      for (const l of walk(b)) {
        if (left.get(l.key) !== l) out.add(l.key);
        left.delete(l.key);
      }
      for (const key of left.keys()) out.add(key);
    };
    diff(this.root, other.root);
  }
}

/**
 * Follows two maps as each moves on through its versions (the catalog before each statement, in
 * a new analysis and in the previous one) and tells at each step whether they hold equal values.
 * Only the keys that changed since the last step in either map are compared again (the others
 * keep their verdict): following two maps that differ for good costs their changes, not their size at each step.
 */
export class Divergence<V> {
  private a?: PersistentMap<V>;
  private b?: PersistentMap<V>;
  /** Keys whose values differ between `a` and `b`. */
  private readonly differing = new Set<string>();

  constructor(private readonly same: (x: V, y: V) => boolean) {}

  equal(a: PersistentMap<V>, b: PersistentMap<V>): boolean {
    // A key neither map changed since the last step keeps its verdict: only changed keys are compared.
    const changed = new Set<string>();
    if (!this.a || !this.b) a.changedKeys(b, changed);
    else {
      this.a.changedKeys(a, changed);
      this.b.changedKeys(b, changed);
    }
    this.a = a;
    this.b = b;
    for (const key of changed) {
      const [x, y] = [a.get(key), b.get(key)];
      if (a.has(key) !== b.has(key) || (a.has(key) && !this.same(x as V, y as V))) this.differing.add(key);
      else this.differing.delete(key);
    }
    return this.differing.size === 0;
  }
}

/** A persistent set of strings, over PersistentMap. */
export class PersistentSet implements ReadonlySet<string> {
  private constructor(
    /** The set as a map to `true` (for Divergence). */
    readonly map: PersistentMap<true>,
  ) {}

  static empty(): PersistentSet {
    return new PersistentSet(PersistentMap.empty());
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** A set with `key` added; this one is unchanged. */
  add(key: string): PersistentSet {
    const map = this.map.set(key, true);
    return map === this.map ? this : new PersistentSet(map);
  }

  equals(other: PersistentSet): boolean {
    return this.map.equals(other.map, () => true);
  }

  keys(): SetIterator<string> {
    return this.map.keys();
  }

  values(): SetIterator<string> {
    return this.map.keys();
  }

  *entries(): SetIterator<[string, string]> {
    for (const k of this.map.keys()) yield [k, k];
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.map.keys();
  }

  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void): void {
    for (const k of this.map.keys()) callback(k, k, this);
  }
}
