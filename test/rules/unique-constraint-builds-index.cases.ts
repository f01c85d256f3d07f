/** The test table of unique-constraint-builds-index (server/src/engine/rules/unique-constraint-builds-index.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key_idx;',
    'ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_pkey_idx;',
    'CREATE TABLE users (id bigint, email text);\nALTER TABLE users ADD PRIMARY KEY (id), ADD UNIQUE (email);',
  ],
  invalid: [
    {
      sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
      reports: [{ range: [0, 18, 0, 63], messageId: 'buildsIndex', data: { constraint: 'UNIQUE', table: 'users' } }],
      output:
        'CREATE UNIQUE INDEX CONCURRENTLY users_email_key_idx ON users (email);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key_idx;',
    },
    {
      sql: 'ALTER TABLE app.accounts ADD PRIMARY KEY (id);',
      reports: [{ range: [0, 25, 0, 45], messageId: 'buildsIndex', data: { constraint: 'PRIMARY KEY', table: 'app.accounts' } }],
      output:
        'CREATE UNIQUE INDEX CONCURRENTLY accounts_pkey_idx ON app.accounts (id);\nALTER TABLE app.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_pkey_idx;',
    },
    {
      sql: 'BEGIN;\nALTER TABLE users ADD UNIQUE (tenant_id, email);\nCOMMIT;',
      reports: [{ range: [1, 18, 1, 47], messageId: 'buildsIndex', data: { constraint: 'UNIQUE', table: 'users' } }],
      output:
        'BEGIN;\nCOMMIT;\nCREATE UNIQUE INDEX CONCURRENTLY users_tenant_id_email_key_idx ON users (tenant_id, email);\nALTER TABLE users ADD CONSTRAINT users_tenant_id_email_key UNIQUE USING INDEX users_tenant_id_email_key_idx;',
    },
    {
      sql: 'ALTER TABLE rooms ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
      reports: [{ range: [0, 18, 0, 92], messageId: 'exclusion', data: { table: 'rooms' } }],
      output: null,
    },
    {
      sql: 'ALTER TABLE users ADD COLUMN code text UNIQUE;',
      reports: [{ range: [0, 18, 0, 45], messageId: 'buildsIndex', data: { constraint: 'UNIQUE', table: 'users' } }],
      output:
        'ALTER TABLE users ADD COLUMN code text;\nCREATE UNIQUE INDEX CONCURRENTLY users_code_key_idx ON users (code);\nALTER TABLE users ADD CONSTRAINT users_code_key UNIQUE USING INDEX users_code_key_idx;',
    },
    {
      sql: 'BEGIN;\nALTER TABLE users ADD COLUMN code text NOT NULL DEFAULT md5(random()::text) CONSTRAINT users_code_uq UNIQUE;\nCOMMIT;',
      reports: [{ range: [1, 18, 1, 107], messageId: 'buildsIndex', data: { constraint: 'UNIQUE', table: 'users' } }],
      output:
        "BEGIN;\nALTER TABLE users ADD COLUMN code text NOT NULL DEFAULT md5(random()::text);\nCOMMIT;\nCREATE UNIQUE INDEX CONCURRENTLY users_code_uq_idx ON users (code);\nALTER TABLE users ADD CONSTRAINT users_code_uq UNIQUE USING INDEX users_code_uq_idx;",
    },
    {
      sql: 'ALTER TABLE users ADD COLUMN id2 bigint PRIMARY KEY;',
      reports: [{ range: [0, 18, 0, 51], messageId: 'buildsIndex', data: { constraint: 'PRIMARY KEY', table: 'users' } }],
      output: null,
    },
  ],
};
