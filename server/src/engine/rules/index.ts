/** The rule registry: adding a rule is adding its file and one line here. */
import { Rule } from '../rule';
import { rule as addingFieldWithVolatileDefault } from './adding-field-with-volatile-default';
import { rule as concurrentlyInTransaction } from './concurrently-in-transaction';
import { rule as constraintMissingNotValid } from './constraint-missing-not-valid';
import { rule as requireConcurrentIndex } from './require-concurrent-index';
import { rule as requireTimeouts } from './require-timeouts';

export const RULES: readonly Rule[] = [
  requireConcurrentIndex,
  concurrentlyInTransaction,
  constraintMissingNotValid,
  addingFieldWithVolatileDefault,
  requireTimeouts,
];

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
