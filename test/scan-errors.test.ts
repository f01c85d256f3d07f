/**
 * One bad token blinds one statement: a text PostgreSQL's lexer rejects in the middle (trailing
 * junk after a number, a half-typed hexadecimal) is scanned again in chunks, so the error lands
 * at its own position and every other statement is analysed. The chunker's own small lexer
 * must agree with PostgreSQL's on where statements end.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { chunkEnds } from '../server/src/engine/parse';
import { resolveSettings } from '../server/src/engine/settings';

const root = path.join(__dirname, '..', '..');
const settings = resolveSettings({}).settings;

/** The reproducer: `5s` is rejected by the scanner of PostgreSQL 15 and later. */
export const JUNK = `CREATE INDEX users_email_idx ON users (email);
SET lock_timeout = 5s;
ALTER TABLE users ADD COLUMN c int NOT NULL;
`;

describe('a scanner error blinds only its own statement', () => {
  before(loadParser);

  it('reports the error at its token and analyses the statements before and after it', () => {
    const a = analyze(JUNK, { settings });
    const found = a.findings.map((f) => [f.rule, f.range.start.line, f.range.start.character]);
    assert.deepEqual(
      found.filter(([rule]) => rule !== 'require-timeouts'),
      [
        ['require-concurrent-index', 0, 0],
        ['syntax-error', 1, 19],
        ['adding-required-field', 2, 18],
      ],
    );
    assert.match(a.findings.find((f) => f.rule === 'syntax-error')!.message, /trailing junk after numeric literal at or near "5s"/);
  });

  it('a bad token inside a statement keeps the statements of a dollar-quoted body together', () => {
    const text = "SELECT 0x;\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;\nDROP INDEX users_email_idx;\n";
    const a = analyze(text, { settings });
    assert.deepEqual(a.facts.statements.map((s) => s.kind), ['SyntaxError', 'CreateFunctionStmt', 'DropStmt']);
    assert.ok(a.findings.some((f) => f.rule === 'require-concurrent-index'));
  });

  it('an unterminated quote still runs to the end of the file, and the message says so', () => {
    const a = analyze("CREATE INDEX i ON t (x);\nSELECT 'abc;\nDROP INDEX i;\n", { settings });
    const error = a.findings.find((f) => f.rule === 'syntax-error')!;
    assert.match(error.message, /^unterminated quoted string at or near "'abc;…" \(it runs to the end of the file/);
  });

  it("the chunker ends chunks where PostgreSQL's lexer ends statements", () => {
    const text = [
      "SELECT 'a;b', E'c\\';d', \"e;f\";",
      '-- g;h',
      '/* i; /* nested; */ j; */ SELECT 1;',
      '$$ k; $$;',
      '$tag$ l; $tag$;',
      'SELECT a$b; ',
      'SELECT 2',
    ].join('\n');
    const ends = chunkEnds(text);
    const chunks = ends.map((end, i) => text.slice(i ? ends[i - 1] : 0, end).trim());
    assert.deepEqual(chunks, ["SELECT 'a;b', E'c\\';d', \"e;f\";", '-- g;h\n/* i; /* nested; */ j; */ SELECT 1;', '$$ k; $$;', '$tag$ l; $tag$;', 'SELECT a$b;', 'SELECT 2']);
  });

  it('CLI: the error at its line, the findings of the first and third statements', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-scan-'));
    const file = path.join(dir, '001_junk.sql');
    fs.writeFileSync(file, JUNK);
    const out = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'check', file], { encoding: 'utf8' });
    assert.equal(out.status, 1);
    assert.match(out.stdout, /001_junk\.sql:1:1: error require-concurrent-index/);
    assert.match(out.stdout, /001_junk\.sql:2:20: error syntax-error: trailing junk after numeric literal/);
    assert.match(out.stdout, /001_junk\.sql:3:19: error adding-required-field/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
