/** The test table of ban-drop-schema-cascade (server/src/engine/rules/ban-drop-schema-cascade.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = { valid: ['DROP SCHEMA reporting;'], invalid: [{ sql: 'DROP SCHEMA IF EXISTS reporting CASCADE;', reports: [{ range: [0, 0, 0, 39], messageId: 'dropSchemaCascade' }], output: null }] };
