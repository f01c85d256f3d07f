/** The rule registry: adding a rule is adding its file and one line here. */
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
import { rule as concurrentlyInTransaction } from './concurrently-in-transaction';
import { rule as constraintMissingNotValid } from './constraint-missing-not-valid';
import { rule as ddlWithBackfillInTransaction } from './ddl-with-backfill-in-transaction';
import { rule as destructiveDownMigration } from './destructive-down-migration';
import { rule as enumValueInTransaction } from './enum-value-in-transaction';
import { rule as explicitLockTable } from './explicit-lock-table';
import { rule as identifierTooLong } from './identifier-too-long';
import { rule as multipleExclusiveLocks } from './multiple-exclusive-locks';
import { rule as partitionDetachBlocking } from './partition-detach-blocking';
import { rule as preferBigintOverInt } from './prefer-bigint-over-int';
import { rule as preferIdentity } from './prefer-identity';
import { rule as preferRobustStmts } from './prefer-robust-stmts';
import { rule as preferTextField } from './prefer-text-field';
import { rule as preferTimestamptz } from './prefer-timestamptz';
import { rule as refreshMaterializedViewBlocking } from './refresh-materialized-view-blocking';
import { rule as renamingColumn } from './renaming-column';
import { rule as renamingTable } from './renaming-table';
import { rule as requireAnalyze } from './require-analyze';
import { rule as requireConcurrentIndex } from './require-concurrent-index';
import { rule as requireTimeouts } from './require-timeouts';
import { rule as setNotNull } from './set-not-null';
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
  tableRewrite,
  refreshMaterializedViewBlocking,
  explicitLockTable,
  partitionDetachBlocking,
  attachPartitionScan,
  validateInSameTransaction,
  ddlWithBackfillInTransaction,
  multipleExclusiveLocks,
  addingForeignKeyColumn,
  banCreateDomainWithConstraint,
  banAlterDomainWithAddConstraint,
  enumValueInTransaction,
  addingSerialPrimaryKey,
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
  // Type choices
  preferBigintOverInt,
  preferIdentity,
  preferTextField,
  preferTimestamptz,
  banCharField,
  identifierTooLong,
  // Transactions and robustness
  transactionNesting,
  preferRobustStmts,
];

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
