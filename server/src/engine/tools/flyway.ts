/** Flyway: `V<version>__<description>.sql` (and `U...` undo, `R__...` repeatable), one transaction per script. */
import { defineTool, findUp, NewFile, simplified, slugAt, wholeFile } from './tool';

// Flyway's PostgreSQLParser.detectCanExecuteInTransaction: a script with one of these runs
// without a transaction (flyway/flyway, flyway-database-postgresql, PostgreSQLParser.java).
const NON_TRANSACTIONAL = [
  /^(CREATE|DROP)( UNIQUE)? INDEX CONCURRENTLY/,
  /^REINDEX( VERBOSE)? (SCHEMA|DATABASE|SYSTEM)/,
  /^VACUUM/,
  /^DISCARD ALL/,
  /^ALTER TYPE( .*)? ADD VALUE/,
  /^(CREATE|DROP) (DATABASE|TABLESPACE|SUBSCRIPTION)/,
  /^ALTER SYSTEM/,
];

const PROJECT_FILES = ['flyway.conf', 'flyway.toml'];

/** `executeInTransaction` from the nearest flyway.conf / flyway.toml that sets it. */
function projectSetting(probe: import('./tool').ProjectProbe): boolean | undefined {
  for (let up = 0; up < 5; up++) {
    for (const name of PROJECT_FILES) {
      const text = probe.read(`${'../'.repeat(up)}${name}`);
      const value = text === undefined ? undefined : /executeInTransaction\s*=\s*"?(true|false)"?/.exec(text)?.[1];
      if (value) return value === 'true';
    }
  }
  return undefined;
}

export const flyway = defineTool({
  id: 'flyway',
  label: 'Flyway',
  docs: {
    detectedFrom: '`V<version>__<desc>.sql`, `U...`, `R__...`; `flyway.conf` / `flyway.toml`',
    transaction: 'one per script',
    optOut:
      'automatic for scripts with `CREATE/DROP [UNIQUE] INDEX CONCURRENTLY`, `VACUUM`, `ALTER TYPE ... ADD VALUE`, `REINDEX SCHEMA/DATABASE/SYSTEM`, `ALTER SYSTEM`, `CREATE/DROP DATABASE/TABLESPACE/SUBSCRIPTION`, `DISCARD ALL`; else `executeInTransaction=false` in `<script>.sql.conf` (or in flyway.conf)',
    sources: [
      `\`executeInTransaction\` (default true; project and script configuration), https://documentation.red-gate.com/fd/flyway-execute-in-transaction-setting-277578997.html; automatic detection in \`PostgreSQLParser.detectCanExecuteInTransaction\` (flyway/flyway, \`flyway-database-postgresql/.../PostgreSQLParser.java\`: \`CREATE_INDEX_CONCURRENTLY_REGEX\`, \`REINDEX_REGEX\` = \`^REINDEX( VERBOSE)? (SCHEMA|DATABASE|SYSTEM)\`, \`VACUUM_REGEX\`, \`ALTER_TYPE_ADD_VALUE_REGEX\`, ...). A script-level decision: one match makes the whole script non-transactional; \`REINDEX INDEX/TABLE CONCURRENTLY\` and \`DETACH PARTITION CONCURRENTLY\` are not matched.`,
    ],
  },
  sql: {
    detect(file) {
      const base = file.base;
      if (!(/^[VUR]\d*(\.\d+)*__.+\.sql$/.test(base) && (/^[VU]\d/.test(base) || base.startsWith('R__')))) return undefined;
      return PROJECT_FILES.some((name) => findUp(file.probe, name)) ? 'flyway.conf' : `${base[0]}<version>__<description>.sql`;
    },
    segments(file) {
      const conf = /^\s*executeInTransaction\s*=\s*(true|false)\s*$/m.exec(file.probe.read(`${file.base}.conf`) ?? '')?.[1];
      const auto = file.statements.some((s) => NON_TRANSACTIONAL.some((re) => re.test(simplified(s))));
      const transaction = conf !== undefined ? conf === 'true' : projectSetting(file.probe) === false ? false : !auto;
      return wholeFile(file, transaction);
    },
    optOut: 'Flyway runs a script without a transaction when it has CREATE/DROP INDEX CONCURRENTLY (detected), or with executeInTransaction=false in <script>.sql.conf',
    // `V<version>.<n>__<slug>.sql` sorts right after this script (and before `V<version+1>`);
    // `<script>.sql.conf` with executeInTransaction=false when it must run outside a transaction;
    // an undo script `U<version>.<n>__` only in projects that already have undo scripts (Flyway Teams).
    ownMigration(input) {
      const version = /^V([\d._]+)__/.exec(input.base)?.[1] ?? '1';
      const names = input.names('.');
      const taken = new Set(names.flatMap((name) => /^[VU]([\d._]+)__/.exec(name)?.[1].replace(/_/g, '.') ?? []));
      const undo = names.some((name) => /^U\d/.test(name));
      const files: NewFile[] = [];
      let n = 0;
      input.migrations.forEach((m, i) => {
        do n++;
        while (taken.has(`${version.replace(/_/g, '.')}.${n}`));
        const script = `V${version}.${n}__${slugAt(input, i)}.sql`;
        files.push({ path: script, content: m.up });
        if (m.noTransaction) files.push({ path: `${script}.conf`, content: 'executeInTransaction=false\n' });
        if (undo) files.push({ path: `U${script.slice(1)}`, content: m.down });
      });
      return files;
    },
    planFile({ base, n, step, body }) {
      const version = /^V([\d._]+)__/.exec(base)?.[1] ?? '1';
      const path = `V${version}.${n}__${step.slug}.sql`;
      // Flyway sees CONCURRENTLY by itself, not a DO block that commits: its .conf says so.
      return { path, content: body, ...(/COMMIT;/.test(step.sql) ? { also: [{ path: `${path}.conf`, content: 'executeInTransaction=false\n' }] } : {}) };
    },
  },
});
