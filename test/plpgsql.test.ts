/**
 * Statements inside PL/pgSQL bodies (issue 16): DO blocks and the routines a migration calls are
 * read with PostgreSQL's PL/pgSQL parser; their statements get facts, findings and words at their
 * own place in the body, in the transaction PostgreSQL runs them in.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { Analysis, analyze, loadParser } from '../server/src/engine/analyze';
import { nodeOf } from '../server/src/engine/ast';
import { buildChecklist } from '../server/src/engine/checklist';
import { describeStatement, factsAt, timeline } from '../server/src/engine/describe';
import { applyEdits } from '../server/src/engine/edits';
import { StatementFacts } from '../server/src/engine/facts';
import { inBody } from '../server/src/engine/plpgsql';
import { resolveSettings, Settings } from '../server/src/engine/settings';

before(loadParser);

const run = (sql: string, settings: Partial<Settings> = {}): Analysis => analyze(sql, { settings: resolveSettings(settings).settings });
const locks = (s: StatementFacts) => s.locks.map((l) => `${l.relation}:${l.mode}`);
/** The document text a statement's range covers. */
const covered = (sql: string, s: StatementFacts) => sql.slice(s.statement.start, s.statement.end);
const ruleIds = (a: Analysis) => a.findings.map((f) => f.rule);

describe('statements inside a DO block', () => {
  it('are placed at their text in the file, after non-ASCII text and through INTO, PERFORM and comments', () => {
    const sql = [
      '-- añadir la clave ✓ 🚀',
      'DO $body$',
      'DECLARE n int; é int;',
      'BEGIN',
      '  -- cuenta 🙂',
      '  SELECT count(*) INTO é FROM users;',
      "  PERFORM set_config('lock_timeout', '2s', false);",
      '  ALTER TABLE users ADD COLUMN plan text; -- ✓',
      'END',
      '$body$;',
    ].join('\n');
    const [block] = run(sql).facts.statements;
    assert.equal(block.kind, 'DoStmt');
    const inner = block.inner!;
    assert.deepEqual(
      inner.map((f) => [f.kind, covered(sql, f)]),
      [
        ['SelectStmt', 'SELECT count(*) INTO é FROM users'],
        ['SelectStmt', "PERFORM set_config('lock_timeout', '2s', false)"],
        ['AlterTableStmt', 'ALTER TABLE users ADD COLUMN plan text'],
      ],
    );
    // The text is what PostgreSQL runs: INTO blanked, PERFORM read as SELECT.
    assert.match(inner[0].statement.text, /^SELECT count\(\*\) {5,}FROM users$/);
    assert.match(inner[1].statement.text, /^SELECT set_config/);
    // Tokens and node locations map into the document.
    const alter = inner[2];
    const table = alter.statement.tokens.find((t) => t.text === 'users')!;
    assert.equal(sql.slice(table.start, table.end), 'users');
    assert.equal(alter.statement.at(nodeOf(alter.statement, 'AlterTableStmt')!.relation!.location!), table.start);
    assert.equal(alter.commands[0].subtype, 'AT_AddColumn');
    assert.equal(sql.slice(alter.commands[0].start, alter.commands[0].end), 'ADD COLUMN plan text');
    // PERFORM set_config(...) sets the timeout for what follows, as at top level.
    assert.equal(alter.lockTimeout, '2s');
    assert.ok(inBody(alter.statement) && alter.statement.body.verbatim);
    assert.ok(inBody(inner[0].statement) && !inner[0].statement.body.verbatim);
    assert.deepEqual(
      alter.statement.ownComments.map((c) => c.text),
      ['-- ✓'],
    );
    assert.deepEqual(
      inner[0].statement.leadingComments.map((c) => c.text),
      ['-- cuenta 🙂'],
    );
  });

  it('reads a single-quoted body, with its doubled quotes', () => {
    const sql = "DO 'BEGIN\n  UPDATE users SET plan = ''free'';\nEND';";
    const [block] = run(sql).facts.statements;
    const [update] = block.inner!;
    assert.equal(update.statement.text, "UPDATE users SET plan = 'free'");
    assert.equal(covered(sql, update), "UPDATE users SET plan = ''free''");
    const f = run(sql).findings.find((x) => x.rule === 'unbatched-data-change')!;
    assert.deepEqual([f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character], [1, 2, 1, 34]);
  });

  it('gives the DO statement the union of its statements locks, rewrites and scans', () => {
    const sql = 'DO $$\nBEGIN\n  CREATE INDEX i ON users (email);\n  ALTER TABLE users ALTER COLUMN n TYPE bigint;\n  ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);\nEND $$;';
    const [block] = run(sql).facts.statements;
    assert.deepEqual(locks(block), ['users:AccessExclusiveLock', 'orders:ShareRowExclusiveLock']);
    assert.deepEqual(block.rewrites, ['users']);
    assert.deepEqual(block.scans, ['orders']);
    assert.equal(block.inTransaction, false);
  });

  it("run in the block's own transaction when it runs on its own: locks held until the block COMMITs or ends", () => {
    const sql = [
      'DO $$',
      'BEGIN',
      '  ALTER TABLE users ADD COLUMN plan text;',
      '  UPDATE users SET plan = 1 WHERE id < 10;',
      '  COMMIT;',
      '  UPDATE orders SET note = 1 WHERE id < 10;',
      'END $$;',
      'UPDATE orders SET note = 2 WHERE id < 10;',
    ].join('\n');
    const statements = run(sql).facts.statements;
    const [alter, update, commit, after] = statements[0].inner!;
    assert.ok(alter.inTransaction && !alter.block!.inTransactionBlock);
    assert.deepEqual(update.heldBefore.map((l) => `${l.relation}:${l.mode}`), ['users:AccessExclusiveLock']);
    assert.equal(commit.block!.fails, undefined);
    assert.deepEqual(after.heldBefore, []);
    assert.notEqual(after.transaction, update.transaction);
    // The block's transaction ends with it.
    assert.equal(statements[1].inTransaction, false);
    assert.deepEqual(statements[1].heldBefore, []);
    assert.equal(
      timeline(run(sql).facts, run(sql).lines),
      [
        "Transaction, lines 3-5 (the DO block's own):",
        '  line 3  ALTER TABLE users  + ACCESS EXCLUSIVE users',
        '  line 4  UPDATE users SET  + ROW EXCLUSIVE users',
        '  held until COMMIT: ACCESS EXCLUSIVE users',
        "Transaction, lines 6-6 (the DO block's own):",
        '  line 6  UPDATE orders SET  + ROW EXCLUSIVE orders',
        '  held until the end of the DO block: ROW EXCLUSIVE orders',
        'line 8  UPDATE orders SET  (autocommit)  ROW EXCLUSIVE orders, released when it ends',
      ].join('\n'),
    );
  });

  it('run in the open transaction block, and their locks stay held after the block', () => {
    const sql = 'BEGIN;\nDO $$\nBEGIN\n  ALTER TABLE users ADD COLUMN plan text;\nEND $$;\nALTER TABLE orders ADD COLUMN note2 text;\nCOMMIT;';
    const a = run(sql);
    const [, block, next] = a.facts.statements;
    assert.equal(block.inner![0].transaction, block.transaction);
    assert.ok(block.inner![0].block!.inTransactionBlock);
    assert.deepEqual(next.heldBefore.map((l) => [l.relation, l.mode, l.since]), [['users', 'AccessExclusiveLock', 1]]);
    assert.ok(ruleIds(a).includes('multiple-exclusive-locks'));
  });

  it('reports a COMMIT inside a DO block that runs inside a transaction block, as an error', () => {
    const sql = 'BEGIN;\nDO $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEND $$;\nCOMMIT;';
    const a = run(sql);
    const [f] = a.findings.filter((x) => x.rule === 'transaction-nesting');
    assert.equal(f.severity, 'error');
    assert.deepEqual([f.range.start.line, f.range.start.character, f.range.end.character], [4, 2, 8]);
    assert.match(f.message, /invalid transaction termination/);
    // The failing COMMIT ends nothing: the outer transaction still holds what the block took.
    const commit = a.facts.statements[1].inner![1];
    assert.equal(commit.block!.fails, 'transaction block');
    assert.deepEqual(a.facts.statements[2].heldBefore.map((l) => l.relation), ['users']);
    assert.match(describeStatement(commit), /Fails when it runs/);
  });

  it('says in the hover where a statement runs: block, condition, loop, EXECUTE', () => {
    const sql = [
      'DO $$',
      'DECLARE t text;',
      'BEGIN',
      "  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE column_name = 'plan') THEN",
      '    ALTER TABLE users ADD COLUMN plan text;',
      '  END IF;',
      '  FOR t IN SELECT tablename FROM pg_tables LOOP',
      "    EXECUTE format('ALTER TABLE %I ADD COLUMN note text', t);",
      '  END LOOP;',
      'END $$;',
    ].join('\n');
    const a = run(sql);
    const block = a.facts.statements[0];
    const at = (text: string) => factsAt(a.facts, block, sql.indexOf(text) + 1);
    const conditional = describeStatement(at('ALTER TABLE users'), a.lines, a.facts);
    assert.match(conditional, /In the DO block on line 1\./);
    assert.match(conditional, /\*\*Conditional:\*\* runs only if NOT EXISTS \(SELECT 1 FROM information_schema\.columns/);
    assert.match(conditional, /held until the DO block's next COMMIT or its end/);
    const executed = at('ALTER TABLE %I');
    assert.deepEqual(locks(executed), ['<t>:AccessExclusiveLock']);
    const words = describeStatement(executed, a.lines, a.facts);
    assert.match(words, /\*\*In a loop:\*\* FOR \.\.\. IN SELECT tablename FROM pg_tables: runs once per iteration, all in one transaction/);
    assert.match(words, /\*\*Run through EXECUTE of SQL built from a literal\*\*: values known only at run time \(%I \(t\)\)/);
    assert.match(describeStatement(block, a.lines, a.facts), /DO block: 2 statements analysed inside \(lines 5-8\)/);
  });

  it('reports EXECUTE of SQL built at run time as dynamic SQL, and counts it', () => {
    const sql = "DO $$\nDECLARE stmt text := 'SELECT 1';\nBEGIN\n  EXECUTE stmt;\n  EXECUTE 'ALTER TABLE ' || quote_ident(stmt) || ' ADD COLUMN x int';\nEND $$;";
    const a = run(sql);
    const dynamic = a.findings.filter((f) => f.rule === 'dynamic-sql');
    assert.equal(dynamic.length, 1);
    assert.deepEqual([dynamic[0].range.start.line, dynamic[0].range.start.character, dynamic[0].range.end.character], [3, 10, 14]);
    assert.equal(a.coverage.dynamic, 1);
    assert.equal(a.coverage.inBodies, 1);
    assert.deepEqual(locks(a.facts.statements[0].inner![0]), ['<stmt>:AccessExclusiveLock']);
  });

  it('reports a body PostgreSQL cannot parse as a syntax error, with the template hint', () => {
    const a = run('DO $$ BEGIN ALTER TABLE {{ .Schema }}.users ADD COLUMN x int; END $$;');
    const [f] = a.findings;
    assert.equal(f.rule, 'syntax-error');
    assert.match(f.message, /^PL\/pgSQL: syntax error at or near "\{".*template placeholder/);
    assert.deepEqual([f.range.start.character, f.range.end.character], [24, 25]);
    assert.equal(a.coverage.unanalysed, 1);
  });

  it('honours ignore comments inside the body', () => {
    const sql = "DO $$\nBEGIN\n  -- migration-guard-ignore unbatched-data-change -- tiny table\n  UPDATE flags SET enabled = true;\nEND $$;";
    const a = run(sql);
    assert.ok(!ruleIds(a).includes('unbatched-data-change'));
    assert.equal(a.ignored[0].reason, 'tiny table');
  });

  it('keeps a fix that edits only the statement, and disables one that restructures the migration', () => {
    const sql = 'DO $$\nBEGIN\n  ALTER TABLE users ADD COLUMN c char(2);\n  CREATE INDEX i ON users (c);\nEND $$;';
    const a = run(sql);
    const charFix = a.findings.find((f) => f.rule === 'ban-char-field')!.fixes[0];
    assert.equal(charFix.disabled, undefined);
    assert.equal(applyEdits(sql, charFix.edits), sql.replace('char(2)', 'text'));
    const indexFix = a.findings.find((f) => f.rule === 'require-concurrent-index')!.fixes[0];
    assert.match(indexFix.disabled!, /CONCURRENTLY cannot run inside the DO block/);
  });
});

describe('the batched-backfill fix', () => {
  it('produces a DO block that is quiet, and a checklist whose backfills item passes with it as evidence', () => {
    const sql = "UPDATE users SET plan = 'free';";
    const a = run(sql);
    const fix = a.findings.find((f) => f.rule === 'unbatched-data-change')!.fixes[0];
    const fixed = applyEdits(sql, fix.edits);
    assert.match(fixed, /^DO \$batch\$/m);
    const after = run(fixed);
    assert.deepEqual(after.findings, []);
    const update = after.facts.statements[0].inner!.find((f) => f.kind === 'UpdateStmt')!;
    assert.ok(inBody(update.statement) && update.statement.body.committingLoop);
    const item = buildChecklist('m.sql', after, {}).items.find((i) => i.id === 'backfills')!;
    assert.equal(item.state, 'passed');
    assert.match(item.evidence.join('\n'), /line 11: batched: UPDATE users SET in a loop of the DO block that COMMITs each batch/);
  });
});

describe('routines the migration creates and calls', () => {
  const create = 'CREATE FUNCTION backfill() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  UPDATE users SET plan = 1;\nEND $$;';

  it('are analysed where a SELECT or CALL runs them, with findings in their body', () => {
    const a = run(`${create}\nSELECT backfill();`);
    const [, select] = a.facts.statements;
    assert.deepEqual(locks(select), ['users:RowExclusiveLock']);
    assert.equal(select.inner![0].block!.routine, 'function backfill');
    const [f] = a.findings.filter((x) => x.rule === 'unbatched-data-change');
    assert.deepEqual([f.range.start.line, f.range.start.character, f.statement], [2, 2, 0]);
  });

  it('are not analysed when nothing calls them, and once when called twice', () => {
    assert.ok(!ruleIds(run(create)).includes('unbatched-data-change'));
    assert.equal(run(`${create}\nSELECT backfill();\nSELECT backfill();`).findings.filter((x) => x.rule === 'unbatched-data-change').length, 1);
  });

  it('let a procedure CALLed on its own commit', () => {
    const proc = 'CREATE PROCEDURE batches() LANGUAGE plpgsql AS $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEND $$;\nCALL batches();';
    const a = run(proc);
    assert.ok(!ruleIds(a).includes('transaction-nesting'));
    assert.equal(a.facts.statements[1].inner![1].block!.fails, undefined);
  });
});

describe('the CLI', () => {
  it('counts the statements inside DO blocks and the dynamic SQL in its summary', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-plpgsql-'));
    try {
      const file = path.join(dir, '001_backfill.sql');
      fs.writeFileSync(file, "DO $$\nDECLARE stmt text := 'SELECT 1';\nBEGIN\n  ALTER TABLE users ADD COLUMN plan text;\n  EXECUTE stmt;\nEND $$;\n");
      const root = path.join(__dirname, '..', '..');
      const out = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'check', file], { encoding: 'utf8', timeout: 60_000 });
      assert.match(out.stdout, /001_backfill\.sql:5:11: info dynamic-sql: Not analysed: EXECUTE of SQL built at run time \(stmt\)/);
      assert.match(out.stdout, /^1 statements analysed \(1 inside DO blocks and PL\/pgSQL routines\), 1 not analysed \(1 dynamic SQL\)$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
