/** Ignore comments: ours, and squawk's so that a team can switch without touching its migrations. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';

before(loadParser);

const rules = (sql: string) => analyze(`SET lock_timeout = '1s'; SET statement_timeout = '1h';\n${sql}`).findings.map((f) => `${f.rule}@${f.range.start.line}`);

describe('ignore comments', () => {
  it('on the line before a statement, with a reason', () => {
    assert.deepEqual(rules('-- migration-guard-ignore require-concurrent-index -- tiny table\nCREATE INDEX a ON t (x);\nCREATE INDEX b ON t (y);'), ['require-concurrent-index@3']);
  });

  it('at the end of the statement, on its last line', () => {
    assert.deepEqual(rules('CREATE INDEX a ON t (x); -- migration-guard-ignore require-concurrent-index\nCREATE INDEX b ON t (y);'), ['require-concurrent-index@2']);
  });

  it('names several rules, or all of them when it names none', () => {
    assert.deepEqual(rules('-- migration-guard-ignore ban-drop-column, require-timeouts\nALTER TABLE t DROP COLUMN a;'), []);
    assert.deepEqual(rules('/* migration-guard-ignore */\nDROP TABLE t;'), []);
    assert.deepEqual(rules('-- migration-guard-ignore unbatched-data-change\nDROP TABLE t;'), ['ban-drop-table@2']);
  });

  it('for the whole file, anywhere in it', () => {
    assert.deepEqual(rules('CREATE INDEX a ON t (x);\nDROP TABLE u;\n-- migration-guard-ignore-file require-concurrent-index'), ['ban-drop-table@2']);
  });

  it("honours squawk's comments, mapping its rule names", () => {
    assert.deepEqual(rules('-- squawk-ignore require-concurrent-index-creation\nCREATE INDEX a ON t (x);'), []);
    assert.deepEqual(rules('-- squawk-ignore ban-drop-column\nALTER TABLE t DROP COLUMN a;'), []);
    assert.deepEqual(rules('-- squawk-ignore-file disallowed-unique-constraint\nALTER TABLE t ADD UNIQUE (a);\nDROP TABLE u;'), ['ban-drop-table@3']);
  });
});
