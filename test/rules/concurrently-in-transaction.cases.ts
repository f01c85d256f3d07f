/** The test table of concurrently-in-transaction (server/src/engine/rules/concurrently-in-transaction.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
    'BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY t_id_idx ON t (id);',
    'BEGIN;\nREFRESH MATERIALIZED VIEW CONCURRENTLY user_stats;\nCOMMIT;',
    'START TRANSACTION;\nROLLBACK;\nDROP INDEX CONCURRENTLY users_email_idx;',
  ],
  invalid: [
    {
      sql: 'BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;',
      reports: [{ range: [1, 0, 1, 25], messageId: 'afterBegin', data: { statement: 'CREATE INDEX' } }],
      output: 'BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
    },
    {
      sql: 'DROP INDEX CONCURRENTLY users_email_idx;',
      settings: { assumeInTransaction: true },
      reports: [{ range: [0, 0, 0, 23], messageId: 'assumedTransaction', data: { statement: 'DROP INDEX' } }],
      output: null,
    },
    {
      sql: 'start transaction;\nalter table events detach partition events_2020 concurrently;\ncommit;',
      reports: [{ range: [1, 0, 1, 60], messageId: 'afterBegin', data: { statement: 'ALTER TABLE' } }],
      output: 'start transaction;\ncommit;\nalter table events detach partition events_2020 concurrently;',
    },
    {
      sql: 'BEGIN;\nREINDEX INDEX CONCURRENTLY users_email_idx;\nEND;',
      reports: [{ range: [1, 0, 1, 26], messageId: 'afterBegin', data: { statement: 'REINDEX INDEX' } }],
      output: 'BEGIN;\nEND;\nREINDEX INDEX CONCURRENTLY users_email_idx;',
    },
    {
      sql: '-- migrate:up\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      settings: { framework: 'dbmate' },
      reports: [
        {
          range: [1, 0, 1, 25],
          messageId: 'toolTransaction',
          data: { statement: 'CREATE INDEX', tool: 'dbmate', evidence: 'the framework setting', optOut: 'add transaction:false to the -- migrate:up line, with the statement alone in its section (a section of several statements is sent as one query: an implicit transaction)' },
        },
      ],
      output: '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
    },
    {
      sql: 'DO $$\nBEGIN\n  CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nEND $$;',
      reports: [{ range: [2, 2, 2, 27], messageId: 'inBlock', data: { statement: 'CREATE INDEX', routine: 'DO block' } }],
      output: null,
    },
  ],
};
