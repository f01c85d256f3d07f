/**
 * The rule registry: adding a rule is adding its file and one line here. Everything other code
 * needs to know about a rule (squawk names, plans, checklist items) is read from its `meta`.
 */
import { Rule } from '../rule';
import { rule as addingFieldWithVolatileDefault } from './adding-field-with-volatile-default';
import { rule as addingForeignKeyColumn } from './adding-foreign-key-column';
import { rule as addingRequiredField } from './adding-required-field';
import { rule as addingSerialPrimaryKey } from './adding-serial-primary-key';
import { rule as attachPartitionScan } from './attach-partition-scan';
import { rule as banAlterDomainWithAddConstraint } from './ban-alter-domain-with-add-constraint';
import { rule as banCharField } from './ban-char-field';
import { rule as banCreateDomainWithConstraint } from './ban-create-domain-with-constraint';
import { rule as banDropColumn } from './ban-drop-column';
import { rule as banDropDatabase } from './ban-drop-database';
import { rule as banDropSchemaCascade } from './ban-drop-schema-cascade';
import { rule as banDropTable } from './ban-drop-table';
import { rule as banTruncate } from './ban-truncate';
import { rule as changingColumnType } from './changing-column-type';
import { rule as columnUsedByView } from './column-used-by-view';
import { rule as concurrentlyInTransaction } from './concurrently-in-transaction';
import { rule as createExtensionIfNotExists } from './create-extension-if-not-exists';
import { rule as constraintMissingNotValid } from './constraint-missing-not-valid';
import { rule as ddlWithBackfillInTransaction } from './ddl-with-backfill-in-transaction';
import { rule as destructiveDownMigration } from './destructive-down-migration';
import { rule as dropPrimaryKeyOfPublishedTable } from './drop-primary-key-of-published-table';
import { rule as dropNotNullOrDefault } from './drop-not-null-or-default';
import { rule as dropObjectStillUsed } from './drop-object-still-used';
import { rule as enumValueInTransaction } from './enum-value-in-transaction';
import { rule as explicitLockTable } from './explicit-lock-table';
import { rule as foreignKeyWithoutIndex } from './foreign-key-without-index';
import { rule as identifierTooLong } from './identifier-too-long';
import { rule as inheritanceChangesParentQueries } from './inheritance-changes-parent-queries';
import { rule as indexOnPartitionedTable } from './index-on-partitioned-table';
import { rule as indexTooManyColumns } from './index-too-many-columns';
import { rule as mergeAlterTable } from './merge-alter-table';
import { rule as multipleExclusiveLocks } from './multiple-exclusive-locks';
import { rule as partitionDetachBlocking } from './partition-detach-blocking';
import { rule as preferBigintOverInt } from './prefer-bigint-over-int';
import { rule as preferIdentity } from './prefer-identity';
import { rule as preferJsonb } from './prefer-jsonb';
import { rule as preferRobustStmts } from './prefer-robust-stmts';
import { rule as preferTextField } from './prefer-text-field';
import { rule as preferTimestamptz } from './prefer-timestamptz';
import { rule as refreshMaterializedViewBlocking } from './refresh-materialized-view-blocking';
import { rule as renamingColumn } from './renaming-column';
import { rule as renamingObject } from './renaming-object';
import { rule as renamingTable } from './renaming-table';
import { rule as requireAnalyze } from './require-analyze';
import { rule as replicaIdentityFull } from './replica-identity-full';
import { rule as requireConcurrentIndex } from './require-concurrent-index';
import { rule as requireTimeouts } from './require-timeouts';
import { rule as rowLevelSecurityWithoutPolicy } from './row-level-security-without-policy';
import { rule as sequenceAsInt } from './sequence-as-int';
import { rule as setNotNull } from './set-not-null';
import { rule as statementAfterExclusiveLock } from './statement-after-exclusive-lock';
import { rule as tableRewrite } from './table-rewrite';
import { rule as transactionNesting } from './transaction-nesting';
import { rule as unbatchedDataChange } from './unbatched-data-change';
import { rule as uniqueConstraintBuildsIndex } from './unique-constraint-builds-index';
import { rule as validateInSameTransaction } from './validate-in-same-transaction';

export const RULES: readonly Rule[] = [
  // Locks and rewrites
  requireConcurrentIndex,
  concurrentlyInTransaction,
  constraintMissingNotValid,
  addingFieldWithVolatileDefault,
  addingRequiredField,
  setNotNull,
  uniqueConstraintBuildsIndex,
  changingColumnType,
  columnUsedByView,
  dropObjectStillUsed,
  tableRewrite,
  refreshMaterializedViewBlocking,
  explicitLockTable,
  partitionDetachBlocking,
  inheritanceChangesParentQueries,
  attachPartitionScan,
  validateInSameTransaction,
  ddlWithBackfillInTransaction,
  multipleExclusiveLocks,
  addingForeignKeyColumn,
  banCreateDomainWithConstraint,
  banAlterDomainWithAddConstraint,
  enumValueInTransaction,
  addingSerialPrimaryKey,
  indexOnPartitionedTable,
  statementAfterExclusiveLock,
  replicaIdentityFull,
  requireTimeouts,
  requireAnalyze,
  // Data loss and compatibility with running code
  renamingColumn,
  renamingTable,
  banDropColumn,
  banDropTable,
  banDropDatabase,
  banTruncate,
  banDropSchemaCascade,
  unbatchedDataChange,
  destructiveDownMigration,
  renamingObject,
  rowLevelSecurityWithoutPolicy,
  dropPrimaryKeyOfPublishedTable,
  sequenceAsInt,
  createExtensionIfNotExists,
  foreignKeyWithoutIndex,
  dropNotNullOrDefault,
  // Type choices
  preferBigintOverInt,
  preferIdentity,
  preferTextField,
  preferTimestamptz,
  preferJsonb,
  banCharField,
  identifierTooLong,
  // Transactions and robustness
  transactionNesting,
  preferRobustStmts,
  // Hints on the shape of the migration
  mergeAlterTable,
  indexTooManyColumns,
];

const BY_ID = new Map(RULES.map((r) => [r.meta.id, r]));

export function findRule(id: string): Rule | undefined {
  return BY_ID.get(id);
}

/**
 * squawk's rule names, so that `-- squawk-ignore` comments keep working after a switch: each
 * name, with the rules that answer for it (from each rule's `meta.squawk`). A name not listed
 * here means the rule of the same id.
 */
export const SQUAWK_RULES: Readonly<Record<string, readonly string[]>> = (() => {
  const map: Record<string, string[]> = {};
  for (const r of RULES) for (const name of r.meta.squawk ?? []) (map[name] ??= []).push(r.meta.id);
  return map;
})();

/** The rules whose findings are evidence for a production checklist item. */
export function rulesForChecklist(item: NonNullable<Rule['meta']['checklist']>): Rule[] {
  return RULES.filter((r) => r.meta.checklist === item);
}
