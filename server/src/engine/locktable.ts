/**
 * The lock table: one declarative entry per statement form Migration Guard knows (STYLE.md §17).
 * Each entry says which lock mode each relation role gets, whether the form rewrites or scans,
 * how that differs between PostgreSQL versions, where PostgreSQL documents it and how the hover
 * and `explain` say it. facts.ts decides WHICH entry a statement is (AST matching stays code) and
 * reads WHAT it takes from here; describe.ts, report.ts and docs/locks.md read the same entries;
 * test/pg/shapes.ts proves every entry on real PostgreSQL (test/locktable.test.ts fails when an
 * entry has no shape and no `unprovable` reason).
 *
 * Sources: "Explicit Locking" (https://www.postgresql.org/docs/current/explicit-locking.html) and
 * each command's page; every mode below is also observed in pg_locks (docs/locks.md).
 */
import { LockMode } from './locks';

/** What a relation is to the statement. */
export type Role =
  /** The relation the statement names and acts on (table, index, view, sequence...). */
  | 'target'
  /** The table of an index the statement names (DROP INDEX, REINDEX INDEX). */
  | 'indexTable'
  /** ALTER INDEX parent ATTACH PARTITION child: the child index's table. */
  | 'partitionIndexTable'
  /** REINDEX TABLE: every index of the table. */
  | 'tableIndexes'
  /** A foreign key's referenced table. */
  | 'referenced'
  /** DROP TABLE, INSERT: the tables the statement's foreign keys reference. */
  | 'fksReferenced'
  /** ALTER COLUMN TYPE: the tables whose foreign keys reference the column. */
  | 'fksReferencing'
  /** ATTACH / DETACH PARTITION: the partition. */
  | 'partition'
  /** INHERIT parent, CREATE TABLE ... PARTITION OF parent. */
  | 'parent'
  /** REFRESH MATERIALIZED VIEW: the tables the view reads. */
  | 'viewSources'
  /** Every other relation the statement reads (a view's query, UPDATE ... FROM, subqueries). */
  | 'read';

/**
 * How the hover and `explain` name a relation the SQL does not name (the facts' implicit locks);
 * the real-PostgreSQL proof maps each to a relation of its schema (test/pg/shapes.ts `implicit`).
 */
export const DESCRIBED: Partial<Record<Role, string>> = {
  indexTable: "the index's table",
  partitionIndexTable: "the partition index's table",
  tableIndexes: "the table's indexes",
  fksReferenced: 'the tables its foreign keys reference',
  fksReferencing: 'the tables whose foreign keys reference the column',
  viewSources: 'the tables the view reads',
};

/** The described referenced table of a constraint the migration's history does not know. */
export const FK_REFERENCED_WORDS = 'the referenced table, when the constraint is a foreign key';

/** Whether the form rewrites (new storage for every row) or reads a relation in full under its lock. */
export type Work =
  /** Always, on every version. */
  | true
  /** Depends on the statement (its default, NOT VALID, a valid CHECK...): `when` says on what; the code decides. */
  | { when: string };

export interface VersionRange {
  /** Applies to servers before this major version. */
  before: number;
  /** The modes that differ there (undefined: no lock at all). */
  locks: Partial<Record<Role, LockMode | null>>;
}

export interface LockEntry {
  /** Stable id (the key in LOCK_TABLE). */
  id: string;
  /** The statement form, as SQL writes it. */
  form: string;
  /** Lock mode per relation role, on the current PostgreSQL (`versions` for older ones). */
  locks: Partial<Record<Role, LockMode>>;
  /** Every row copied into new storage under the lock. */
  rewrites?: Work;
  /** Read in full under the lock (roles other than the target are listed in `scansAlso`). */
  scans?: Work;
  /** Other roles read in full along with the target. */
  scansAlso?: Role[];
  /** The form exists since this major version. */
  since?: number;
  /** Where modes differ on older servers (newest range first). */
  versions?: VersionRange[];
  /** Version caveat the facts attach (explain's `caveats`), when the form depends on the version. */
  caveat?: string;
  /** PostgreSQL docs page, with the anchor of the form where the page has one. */
  docs: string;
  /** One line for people: what the form does to other sessions. */
  wording: string;
  /**
   * What the target's lock blocks, when the mode alone says too little (REINDEX's SHARE on the
   * table does not let reads continue: its indexes are ACCESS EXCLUSIVE).
   */
  blocks?: string;
  /** Why no shape of test/pg/shapes.ts can prove the entry (undefined: one must). */
  unprovable?: string;
}

const PG = 'https://www.postgresql.org/docs/current/';
const ALTER = `${PG}sql-altertable.html`;
const alter = (anchor: string) => `${ALTER}#SQL-ALTERTABLE-${anchor}`;

const E = <T extends Record<string, Omit<LockEntry, 'id'>>>(t: T): { [K in keyof T]: LockEntry } =>
  Object.fromEntries(Object.entries(t).map(([id, e]) => [id, { id, ...e }])) as { [K in keyof T]: LockEntry };

const AEL: LockMode = 'AccessExclusiveLock';
const SUE: LockMode = 'ShareUpdateExclusiveLock';
const SRE: LockMode = 'ShareRowExclusiveLock';

export const LOCK_TABLE = E({
  // ALTER TABLE: columns
  alterAddColumn: {
    form: 'ALTER TABLE ... ADD COLUMN',
    locks: { target: AEL, referenced: SRE },
    rewrites: { when: 'a volatile default (gen_random_uuid(), serial, identity), a stored generated column, or any default before PostgreSQL 11' },
    scans: { when: 'a CHECK, UNIQUE or PRIMARY KEY on the column; an inline REFERENCES with a default (then the referenced table too)' },
    versions: [{ before: 11, locks: {} }],
    caveat: 'PostgreSQL 11+ stores a non-volatile default in the catalog without touching rows; before 11 any default rewrote the table.',
    docs: alter('DESC-ADD-COLUMN'),
    wording: 'A catalog change under ACCESS EXCLUSIVE unless the default is volatile or a constraint must be checked.',
  },
  alterColumnType: {
    form: 'ALTER TABLE ... ALTER COLUMN ... TYPE',
    locks: { target: AEL, fksReferencing: AEL },
    rewrites: { when: 'unless the change is binary coercible (varchar(n) to a wider varchar or text, known from the migration history)' },
    scansAlso: ['fksReferencing'],
    docs: alter('DESC-SET-DATA-TYPE'),
    wording: 'Rewrites the table and its indexes under ACCESS EXCLUSIVE; foreign keys referencing the column are re-validated.',
  },
  alterColumnTypeUtc: {
    form: "ALTER TABLE ... ALTER COLUMN ... TYPE timestamptz (from timestamp, or back) after SET timezone = 'UTC'",
    locks: { target: AEL },
    since: 12,
    caveat: 'PostgreSQL 12+ keeps the rows (the same bits in UTC) and rebuilds only the indexes on the column; before 12, or in another time zone, the table is rewritten.',
    docs: alter('DESC-SET-DATA-TYPE'),
    wording: "No rewrite when the session's TimeZone is UTC (12+): ACCESS EXCLUSIVE for a catalog change and the column's indexes.",
  },
  alterSetNotNull: {
    form: 'ALTER TABLE ... ALTER COLUMN ... SET NOT NULL',
    locks: { target: AEL },
    scans: { when: 'unless a valid CHECK (col IS NOT NULL) proves it (PostgreSQL 12+)' },
    caveat: 'lets PostgreSQL 12+ skip the scan; before 12 it scans anyway.',
    docs: alter('DESC-SET-DROP-NOT-NULL'),
    wording: 'Reads the whole table under ACCESS EXCLUSIVE to check for NULLs.',
  },
  alterColumnSettings: {
    form: 'ALTER TABLE ... ALTER COLUMN ... SET STATISTICS / SET (...) / RESET (...); SET (...) / RESET (...); CLUSTER ON; SET WITHOUT CLUSTER',
    locks: { target: SUE },
    docs: alter('DESC-SET-STATISTICS'),
    wording: 'Planner and storage settings under SHARE UPDATE EXCLUSIVE: reads and writes continue.',
  },
  alterTriggers: {
    form: 'ALTER TABLE ... ENABLE / DISABLE TRIGGER',
    locks: { target: SRE },
    docs: alter('DESC-DISABLE-ENABLE-TRIGGER'),
    wording: 'SHARE ROW EXCLUSIVE: writes wait, reads continue.',
  },
  // ALTER TABLE: constraints
  alterAddForeignKey: {
    form: 'ALTER TABLE ... ADD FOREIGN KEY [NOT VALID]',
    locks: { target: SRE, referenced: SRE },
    scans: { when: 'unless NOT VALID: both tables are read to validate' },
    scansAlso: ['referenced'],
    docs: alter('DESC-ADD-TABLE-CONSTRAINT'),
    wording: 'SHARE ROW EXCLUSIVE on both tables (writes wait) while every row is validated, unless NOT VALID.',
  },
  alterAddCheck: {
    form: 'ALTER TABLE ... ADD CHECK [NOT VALID]',
    locks: { target: AEL },
    scans: { when: 'unless NOT VALID' },
    docs: alter('DESC-ADD-TABLE-CONSTRAINT'),
    wording: 'Reads the whole table under ACCESS EXCLUSIVE, unless NOT VALID.',
  },
  alterAddUnique: {
    form: 'ALTER TABLE ... ADD UNIQUE / PRIMARY KEY [USING INDEX]',
    locks: { target: AEL },
    scans: { when: 'unless USING INDEX (the index is already built)' },
    docs: alter('DESC-ADD-TABLE-CONSTRAINT-USING-INDEX'),
    wording: 'Builds a unique index under ACCESS EXCLUSIVE, unless USING INDEX adopts a built one.',
  },
  alterAddExclusion: {
    form: 'ALTER TABLE ... ADD EXCLUDE',
    locks: { target: AEL },
    scans: true,
    docs: alter('DESC-ADD-TABLE-CONSTRAINT'),
    wording: 'Builds an exclusion index under ACCESS EXCLUSIVE.',
  },
  alterAddNotNull: {
    form: 'ALTER TABLE ... ADD CONSTRAINT ... NOT NULL col [NOT VALID]',
    locks: { target: AEL },
    scans: { when: 'unless NOT VALID (PostgreSQL 18): like SET NOT NULL' },
    since: 18,
    caveat: 'ADD CONSTRAINT ... NOT NULL exists since PostgreSQL 18; it checks every row like SET NOT NULL.',
    docs: alter('DESC-ADD-TABLE-CONSTRAINT'),
    wording: 'Reads the whole table under ACCESS EXCLUSIVE to check for NULLs, unless NOT VALID.',
  },
  alterAddConstraintOther: {
    form: 'ALTER TABLE ... ADD CONSTRAINT (other kinds)',
    locks: { target: AEL },
    docs: alter('DESC-ADD-TABLE-CONSTRAINT'),
    wording: 'ACCESS EXCLUSIVE.',
    unprovable: 'Every constraint kind PostgreSQL accepts in ALTER TABLE ... ADD has its own entry; this one catches kinds a future parser adds.',
  },
  alterValidateConstraint: {
    form: 'ALTER TABLE ... VALIDATE CONSTRAINT',
    locks: { target: SUE, referenced: 'RowShareLock' },
    scans: true,
    scansAlso: ['referenced'],
    docs: alter('DESC-VALIDATE-CONSTRAINT'),
    wording: 'Reads every row under SHARE UPDATE EXCLUSIVE (9.4+): reads and writes continue.',
  },
  alterDropConstraint: {
    form: 'ALTER TABLE ... DROP CONSTRAINT',
    locks: { target: AEL, referenced: AEL },
    docs: alter('DESC-DROP-CONSTRAINT'),
    wording: "ACCESS EXCLUSIVE, for an instant; a foreign key's referenced table too (its triggers go).",
  },
  alterNewStorage: {
    form: 'ALTER TABLE ... SET LOGGED / UNLOGGED / SET TABLESPACE / SET ACCESS METHOD',
    locks: { target: AEL },
    rewrites: true,
    docs: alter('DESC-SET-TABLESPACE'),
    wording: 'Copies the table into new storage under ACCESS EXCLUSIVE.',
  },
  alterSetExpression: {
    form: 'ALTER TABLE ... ALTER COLUMN ... SET EXPRESSION',
    locks: { target: AEL },
    rewrites: true,
    since: 17,
    caveat: 'ALTER COLUMN ... SET EXPRESSION exists since PostgreSQL 17.',
    docs: alter('DESC-SET-EXPRESSION'),
    wording: 'Recomputes the stored column: rewrites the table under ACCESS EXCLUSIVE.',
  },
  alterAttachPartition: {
    form: 'ALTER TABLE ... ATTACH PARTITION',
    locks: { target: SUE, partition: AEL },
    scansAlso: ['partition'],
    versions: [{ before: 12, locks: { target: AEL } }],
    caveat: 'PostgreSQL 12+ takes SHARE UPDATE EXCLUSIVE on the parent; before 12, ACCESS EXCLUSIVE.',
    docs: alter('ATTACH-PARTITION'),
    wording: 'Reads the partition under ACCESS EXCLUSIVE to check its bound, unless a CHECK proves it.',
  },
  alterIndexAttachPartition: {
    form: 'ALTER INDEX ... ATTACH PARTITION',
    locks: { target: SUE, partition: AEL, indexTable: 'AccessShareLock', partitionIndexTable: 'AccessShareLock' },
    docs: `${PG}sql-alterindex.html`,
    wording: 'Attaches a built index: nothing is read.',
  },
  alterDetachPartition: {
    form: 'ALTER TABLE ... DETACH PARTITION',
    locks: { target: AEL, partition: AEL },
    docs: alter('DETACH-PARTITION'),
    wording: 'ACCESS EXCLUSIVE on the parent and the partition.',
  },
  alterDetachPartitionConcurrently: {
    form: 'ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY',
    locks: { target: SUE, partition: SUE },
    since: 14,
    caveat: 'DETACH PARTITION ... CONCURRENTLY exists since PostgreSQL 14.',
    docs: alter('DETACH-PARTITION'),
    wording: 'SHARE UPDATE EXCLUSIVE: reads and writes continue; cannot run in a transaction block.',
  },
  alterInherit: {
    form: 'ALTER TABLE ... INHERIT parent',
    locks: { target: AEL, parent: SUE },
    docs: alter('DESC-INHERIT'),
    wording: 'ACCESS EXCLUSIVE on the table, SHARE UPDATE EXCLUSIVE on the parent.',
  },
  alterOther: {
    form: 'ALTER TABLE ... (DROP COLUMN, SET / DROP DEFAULT, DROP NOT NULL, SET STORAGE, ROW LEVEL SECURITY, OWNER TO, identity, NO INHERIT, REPLICA IDENTITY, ...)',
    locks: { target: AEL },
    docs: `${ALTER}#SQL-ALTERTABLE-DESCRIPTION`,
    wording: 'A catalog change under ACCESS EXCLUSIVE ("acquired unless explicitly noted"): instant once granted.',
  },
  // Indexes
  createIndex: {
    form: 'CREATE [UNIQUE] INDEX',
    locks: { target: 'ShareLock' },
    scans: { when: 'unless ON ONLY a partitioned table' },
    caveat: "ON ONLY on a partitioned table reads nothing: the index stays invalid until each partition's index is attached. On a plain table ONLY changes nothing and the index is built as usual.",
    docs: `${PG}sql-createindex.html`,
    wording: 'SHARE: writes wait while the whole table is read and the index built; reads continue.',
  },
  createIndexConcurrently: {
    form: 'CREATE INDEX CONCURRENTLY',
    locks: { target: SUE },
    scans: true,
    docs: `${PG}sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY`,
    wording: 'SHARE UPDATE EXCLUSIVE: reads and writes continue; cannot run in a transaction block.',
  },
  dropIndex: {
    form: 'DROP INDEX',
    locks: { target: AEL, indexTable: AEL },
    docs: `${PG}sql-dropindex.html`,
    wording: "ACCESS EXCLUSIVE on the index and its table, for an instant.",
  },
  dropIndexConcurrently: {
    form: 'DROP INDEX CONCURRENTLY',
    locks: { target: SUE, indexTable: SUE },
    docs: `${PG}sql-dropindex.html`,
    wording: 'SHARE UPDATE EXCLUSIVE: reads and writes continue; cannot run in a transaction block.',
  },
  reindexIndex: {
    form: 'REINDEX INDEX',
    locks: { target: AEL, indexTable: 'ShareLock' },
    scansAlso: ['indexTable'],
    docs: `${PG}sql-reindex.html#SQL-REINDEX-NOTES`,
    wording: 'Rebuilds the index under ACCESS EXCLUSIVE (queries that would use it wait) and SHARE on its table (writes wait).',
    blocks: 'blocks writes, and reads that use the index: the planner takes ACCESS SHARE on every index of the table, so nearly every query on the table waits',
  },
  reindexTable: {
    form: 'REINDEX TABLE',
    locks: { target: 'ShareLock', tableIndexes: AEL },
    scans: true,
    docs: `${PG}sql-reindex.html#SQL-REINDEX-NOTES`,
    wording: "Rebuilds every index of the table: SHARE on the table and ACCESS EXCLUSIVE on each index, so reads wait too.",
    blocks: 'blocks writes, and reads too: each index is locked ACCESS EXCLUSIVE while it is rebuilt and the planner takes ACCESS SHARE on every index of the table, so nearly every query on the table waits',
  },
  reindexConcurrently: {
    form: 'REINDEX INDEX / TABLE ... CONCURRENTLY',
    locks: { target: SUE, indexTable: SUE },
    scans: true,
    scansAlso: ['indexTable'],
    since: 12,
    caveat: 'REINDEX ... CONCURRENTLY exists since PostgreSQL 12.',
    docs: `${PG}sql-reindex.html#SQL-REINDEX-CONCURRENTLY`,
    wording: 'SHARE UPDATE EXCLUSIVE: reads and writes continue; cannot run in a transaction block.',
  },
  alterIndexRename: {
    form: 'ALTER INDEX ... RENAME',
    locks: { target: SUE },
    versions: [{ before: 12, locks: { target: AEL } }],
    caveat: 'ALTER INDEX ... RENAME takes SHARE UPDATE EXCLUSIVE since PostgreSQL 12; ACCESS EXCLUSIVE before.',
    docs: `${PG}sql-alterindex.html`,
    wording: 'SHARE UPDATE EXCLUSIVE (12+): reads and writes continue.',
  },
  // Tables, views, other relations
  createTable: {
    form: 'CREATE TABLE (REFERENCES, PARTITION OF)',
    locks: { referenced: SRE, parent: AEL },
    docs: `${PG}sql-createtable.html`,
    wording: 'A new table; its foreign keys take SHARE ROW EXCLUSIVE on each referenced table, PARTITION OF takes ACCESS EXCLUSIVE on the parent.',
  },
  createTableAs: {
    form: 'CREATE TABLE ... AS / CREATE MATERIALIZED VIEW',
    locks: { read: 'AccessShareLock' },
    scansAlso: ['read'],
    docs: `${PG}sql-createtableas.html`,
    wording: 'Runs its query: every table it reads is read in full under ACCESS SHARE.',
  },
  truncate: {
    form: 'TRUNCATE',
    locks: { target: AEL },
    docs: `${PG}sql-truncate.html`,
    wording: 'ACCESS EXCLUSIVE; the table gets new, empty storage.',
  },
  dropTable: {
    form: 'DROP TABLE',
    locks: { target: AEL, fksReferenced: AEL },
    docs: `${PG}sql-droptable.html`,
    wording: 'ACCESS EXCLUSIVE on the table and on the tables its foreign keys reference (their triggers go).',
  },
  dropRelation: {
    form: 'DROP VIEW / MATERIALIZED VIEW / SEQUENCE / FOREIGN TABLE',
    locks: { target: AEL },
    docs: `${PG}sql-dropview.html`,
    wording: 'ACCESS EXCLUSIVE on the relation, for an instant.',
  },
  dropOnTable: {
    form: 'DROP TRIGGER / POLICY / RULE ... ON table',
    locks: { target: AEL },
    docs: `${PG}sql-droptrigger.html`,
    wording: 'ACCESS EXCLUSIVE on the table, for an instant.',
  },
  vacuum: {
    form: 'VACUUM / ANALYZE',
    locks: { target: SUE },
    scans: { when: 'VACUUM reads every page not known all-visible; ANALYZE reads a sample' },
    docs: `${PG}sql-vacuum.html`,
    wording: 'SHARE UPDATE EXCLUSIVE: reads and writes continue.',
  },
  vacuumFull: {
    form: 'VACUUM FULL',
    locks: { target: AEL },
    rewrites: true,
    docs: `${PG}sql-vacuum.html`,
    wording: 'Copies the table into new storage under ACCESS EXCLUSIVE.',
  },
  cluster: {
    form: 'CLUSTER',
    locks: { target: AEL },
    rewrites: true,
    docs: `${PG}sql-cluster.html`,
    wording: 'Copies the table in index order under ACCESS EXCLUSIVE.',
  },
  lockTable: {
    form: 'LOCK TABLE [IN mode MODE]',
    locks: { target: AEL },
    docs: `${PG}sql-lock.html`,
    wording: 'The mode the statement names; ACCESS EXCLUSIVE when it names none.',
  },
  refreshMatview: {
    form: 'REFRESH MATERIALIZED VIEW',
    locks: { target: AEL, viewSources: 'AccessShareLock' },
    rewrites: true,
    scansAlso: ['viewSources'],
    docs: `${PG}sql-refreshmaterializedview.html`,
    wording: 'Runs the query into new storage under ACCESS EXCLUSIVE: reads of the view wait.',
  },
  refreshMatviewConcurrently: {
    form: 'REFRESH MATERIALIZED VIEW CONCURRENTLY',
    locks: { target: 'ExclusiveLock', viewSources: 'AccessShareLock' },
    scans: true,
    scansAlso: ['viewSources'],
    docs: `${PG}sql-refreshmaterializedview.html`,
    wording: 'EXCLUSIVE: reads of the view continue while the query runs and the differences are applied.',
  },
  createTrigger: {
    form: 'CREATE TRIGGER',
    locks: { target: SRE },
    docs: `${PG}sql-createtrigger.html`,
    wording: 'SHARE ROW EXCLUSIVE: writes wait, reads continue.',
  },
  policy: {
    form: 'CREATE / ALTER POLICY',
    locks: { target: AEL },
    docs: `${PG}sql-createpolicy.html`,
    wording: 'ACCESS EXCLUSIVE on the table, for an instant.',
  },
  rename: {
    form: 'ALTER TABLE ... RENAME [COLUMN | CONSTRAINT] / ALTER VIEW ... RENAME',
    locks: { target: AEL },
    docs: `${ALTER}#SQL-ALTERTABLE-DESC-RENAME`,
    wording: 'ACCESS EXCLUSIVE, for an instant.',
  },
  setSchema: {
    form: 'ALTER TABLE ... SET SCHEMA',
    locks: { target: AEL },
    docs: `${ALTER}#SQL-ALTERTABLE-DESC-SET-SCHEMA`,
    wording: 'ACCESS EXCLUSIVE, for an instant.',
  },
  replaceView: {
    form: 'CREATE OR REPLACE VIEW',
    locks: { target: AEL },
    docs: `${PG}sql-createview.html`,
    wording: 'ACCESS EXCLUSIVE on the view, for an instant: queries on it wait.',
  },
  comment: {
    form: 'COMMENT ON TABLE / COLUMN',
    locks: { target: SUE },
    docs: `${PG}sql-comment.html`,
    wording: 'SHARE UPDATE EXCLUSIVE: reads and writes continue.',
  },
  updateDelete: {
    form: 'UPDATE / DELETE',
    locks: { target: 'RowExclusiveLock' },
    scans: { when: 'without WHERE: every row in one transaction' },
    docs: `${PG}explicit-locking.html#LOCKING-TABLES`,
    wording: 'ROW EXCLUSIVE; the rows changed are locked until the transaction ends.',
  },
  insert: {
    form: 'INSERT / MERGE',
    locks: { target: 'RowExclusiveLock', fksReferenced: 'RowShareLock' },
    docs: `${PG}explicit-locking.html#LOCKING-TABLES`,
    wording: 'ROW EXCLUSIVE; foreign key checks lock the referenced rows FOR KEY SHARE.',
  },
  withDml: {
    form: 'WITH q AS (UPDATE / DELETE / INSERT ...)',
    locks: { target: 'RowExclusiveLock' },
    docs: `${PG}queries-with.html#QUERIES-WITH-MODIFYING`,
    wording: 'A data-modifying WITH query takes ROW EXCLUSIVE on its table, as the statement itself would.',
  },
  alterSequence: {
    form: 'ALTER SEQUENCE',
    locks: { target: SRE },
    docs: `${PG}sql-altersequence.html`,
    wording: 'SHARE ROW EXCLUSIVE on the sequence; RESTART, INCREMENT and AS give it new storage.',
  },
  grant: {
    form: 'GRANT / REVOKE ON TABLE',
    locks: { target: 'AccessShareLock' },
    versions: [{ before: 18, locks: { target: null } }],
    caveat: 'GRANT and REVOKE take ACCESS SHARE on the table on PostgreSQL 18 and no table lock on 15 (both observed); 16 and 17 are not verified.',
    docs: `${PG}sql-grant.html`,
    wording: 'ACCESS SHARE (PostgreSQL 18): nothing but ACCESS EXCLUSIVE waits.',
  },
  read: {
    form: 'any relation a statement reads (views, subqueries, UPDATE ... FROM, SELECT)',
    locks: { read: 'AccessShareLock' },
    docs: `${PG}explicit-locking.html#LOCKING-TABLES`,
    wording: 'ACCESS SHARE while the statement runs: only ACCESS EXCLUSIVE waits.',
  },
});

export type LockEntryId = keyof typeof LOCK_TABLE;

export const LOCK_ENTRIES: LockEntry[] = Object.values(LOCK_TABLE);

/** The mode an entry takes on a role on this server version (undefined: no lock there). */
export function modeOf(entry: LockEntry, role: Role, pgVersion: number): LockMode | undefined {
  for (const range of entry.versions ?? []) {
    if (pgVersion < range.before && role in range.locks) return range.locks[role] ?? undefined;
  }
  return entry.locks[role];
}

/** `modeOf` for a role every version locks. */
export function mustMode(entry: LockEntry, role: Role, pgVersion: number): LockMode {
  const mode = modeOf(entry, role, pgVersion);
  if (!mode) throw new Error(`lock table: ${entry.id} takes no lock on ${role} on PostgreSQL ${pgVersion}`);
  return mode;
}
