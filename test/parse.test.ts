/** Splitting with PostgreSQL's scanner, parsing statement by statement, and offset conversion. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { ParsedFile, parseFile, parseFileInFull } from '../server/src/engine/parse';
import { LineMap, OffsetMap } from '../server/src/engine/positions';
import { noCorpus, randomEditChains } from './edits';

before(loadParser);

const kinds = (sql: string) => parseFile(sql).statements.map((s) => s.kind);
const texts = (sql: string) => parseFile(sql).statements.map((s) => s.text);

describe('offsets: UTF-8 bytes and code points to UTF-16, UTF-16 to line/character', () => {
  it('maps byte offsets past 2-, 3- and 4-byte characters', () => {
    const text = 'é€🙂x';
    const map = new OffsetMap(text);
    // bytes: é 0-1, € 2-4, 🙂 5-8, x 9
    assert.deepEqual([0, 2, 5, 9, 10].map((b) => map.fromUtf8(b)), [0, 1, 2, 4, 5]);
    // code points: é 0, € 1, 🙂 2, x 3
    assert.deepEqual([0, 1, 2, 3].map((p) => map.fromCodePoint(p)), [0, 1, 2, 4]);
  });

  it('maps offsets to lines with LF and CRLF endings, and back', () => {
    const lines = new LineMap('a\r\nbc\nd');
    assert.deepEqual(lines.position(3), { line: 1, character: 0 });
    assert.deepEqual(lines.position(7), { line: 2, character: 1 });
    assert.equal(lines.offset({ line: 1, character: 2 }), 5);
  });

  it('reports findings at UTF-16 positions after non-ASCII comments and identifiers', () => {
    const sql = "-- índice für Größe 🙂\nSET lock_timeout = '1s'; SET statement_timeout = '1h';\nCREATE INDEX \"idx_ü🙂\" ON \"Über\" (naïve);";
    const found = analyze(sql).findings;
    assert.equal(found.length, 1);
    assert.deepEqual(found[0].range, { start: { line: 2, character: 0 }, end: { line: 2, character: 12 } });
    const fixed = found[0].fixes[0].edits[0];
    assert.deepEqual(fixed.range.start, { line: 2, character: 12 });
    assert.match(found[0].message, /Über/);
  });

  it('places a syntax error after non-ASCII text on the right token', () => {
    const sql = "SELECT 'é🙂' frm t;";
    const [f] = analyze(sql).findings;
    assert.equal(f.rule, 'syntax-error');
    // `t` is the token PostgreSQL points at (code point 15): UTF-16 column 17, as 🙂 takes two units.
    assert.deepEqual(f.range, { start: { line: 0, character: 17 }, end: { line: 0, character: 18 } });
  });
});

describe('statement splitting with the real scanner', () => {
  it('keeps `;` inside strings, E-strings, dollar quotes, quoted identifiers and nested comments', () => {
    const sql = `SELECT 'a;b';
SELECT E'it\\'s; fine';
DO $body$ BEGIN RAISE NOTICE 'x;y'; END $body$;
SELECT 1 AS "semi;colon"; /* outer /* inner; */ still comment; */
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;`;
    assert.deepEqual(kinds(sql), ['SelectStmt', 'SelectStmt', 'DoStmt', 'SelectStmt', 'CreateFunctionStmt']);
  });

  it('keeps BEGIN ATOMIC ... END bodies whole, with CASE ... END inside', () => {
    const sql = `CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;
  SELECT 2;
END;
SELECT 3;`;
    assert.deepEqual(kinds(sql), ['CreateFunctionStmt', 'SelectStmt']);
  });

  it('treats an empty, blank or comment-only file as no statements and no error', () => {
    for (const sql of ['', '   \n\t', '-- nothing here\n/* nor here */\n']) {
      assert.deepEqual(parseFile(sql).statements, []);
      assert.deepEqual(analyze(sql).findings, []);
    }
  });

  it('keeps analysing after a half-typed statement with an unterminated string', () => {
    const sql = "CREATE INDEX a_idx ON users (a);\nSELECT 'unfinished";
    const found = analyze(sql).findings;
    assert.deepEqual(texts(sql), ['CREATE INDEX a_idx ON users (a)', "SELECT 'unfinished"]);
    assert.ok(found.some((f) => f.rule === 'require-concurrent-index'));
    const syntax = found.find((f) => f.rule === 'syntax-error')!;
    assert.match(syntax.message, /unterminated quoted string/);
    assert.equal(syntax.range.start.line, 1);
  });

  it('survives unterminated comments, dollar quotes and identifiers', () => {
    for (const tail of ['/* open comment', '$fn$ BEGIN', '"open ident', "E'open\\'"]) {
      const sql = `DROP INDEX x_idx;\nSELECT ${tail}`;
      const statements = parseFile(sql).statements;
      assert.equal(statements[0].kind, 'DropStmt', tail);
      assert.ok(analyze(sql).findings.some((f) => f.rule === 'require-concurrent-index'), tail);
    }
  });

  it('gives a template placeholder a clear diagnostic on its own statement and analyses the rest', () => {
    const sql = `CREATE TABLE {{ index .Options "Namespace" }}.users (id uuid);
CREATE INDEX users_x ON users (x);
ALTER TABLE {{ .Schema }}.users ADD COLUMN y int;`;
    const found = analyze(sql).findings;
    const syntax = found.filter((f) => f.rule === 'syntax-error');
    assert.deepEqual(syntax.map((f) => f.range.start.line), [0, 2]);
    assert.match(syntax[0].message, /template placeholder/);
    assert.deepEqual(syntax[0].range, { start: { line: 0, character: 13 }, end: { line: 0, character: 14 } });
    assert.ok(found.some((f) => f.rule === 'require-concurrent-index' && f.range.start.line === 1));
  });

  it('parses plpgsql DO blocks and functions without complaint', () => {
    const sql = `DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM t LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN x int', r.name);
  END LOOP;
END $$;`;
    // Issue 16: the EXECUTE'd ALTER TABLE is analysed (on the unknown table <r.name>): it takes ACCESS EXCLUSIVE without a lock_timeout.
    assert.deepEqual(analyze(sql).findings.map((f) => [f.rule, f.range.start.line, f.range.start.character]), [['require-timeouts', 4, 20]]);
  });
});

describe('bad input', () => {
  it('reports a binary file once, clearly, and analyses nothing', () => {
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('utf8');
    const found = analyze(junk).findings;
    assert.equal(found.length, 1);
    assert.equal(found[0].rule, 'unreadable-file');
    assert.match(found[0].message, /Binary file/);
  });

  it('reports a file above maxFileSizeKB without parsing it', () => {
    const big = 'SELECT 1;\n'.repeat(1024 * 1024); // 10 MB
    const found = analyze(big).findings;
    assert.equal(found.length, 1);
    assert.equal(found[0].rule, 'unreadable-file');
    assert.match(found[0].message, /File is 10\.0 MB, above the 5\.0 MB limit/);
  });

  it('analyses a large file under the limit', () => {
    const sql = "SET lock_timeout = '1s';\n" + 'ALTER TABLE t ADD COLUMN c int;\n'.repeat(20000) + 'CREATE INDEX i ON t (c);';
    const found = analyze(sql).findings;
    assert.deepEqual(found.map((f) => f.rule), ['require-concurrent-index', 'require-timeouts']);
    assert.equal(found[0].range.start.line, 20001);
  });
});

describe('re-scan around an edit (the language server sends the whole document after each keystroke)', () => {
  before(loadParser);
  const signature = (p: ParsedFile) =>
    JSON.stringify([
      p.statements.map((s) => [s.start, s.end, s.terminatorEnd, s.kind, s.error?.message, s.tokens.map((t) => [t.start, t.end, t.name, t.text]), s.leadingComments.map((c) => c.start), s.ownComments.map((c) => c.start)]),
      p.trailingComments.map((c) => c.start),
    ]);

  it('gives the same statements as a full scan, after chains of random edits of real migrations', { skip: noCorpus }, () => {
    // Edits that open or close literals, comments, dollar quotes and function bodies, and non-ASCII text.
    const inserts = ["'", '"', '/*', '*/', '$$', '$f$', ';', '\n', ' ', 'x', '--', "E'", '(', 'BEGIN ATOMIC ', 'END;', 'é', '😀', ''];
    const checked = randomEditChains(
      { inserts, seed: 7, perFile: 8 },
      (text) => parseFile(text),
      (text, file, k, at) => assert.equal(signature(parseFile(text)), signature(parseFileInFull(text)), `${file}, edit ${k} at ${at}`),
    );
    assert.ok(checked > 3000, `${checked} edits`);
  });
});
