/**
 * Chains of random edits of the real migrations under ../shared/corpus: how the incremental
 * stages (re-scan, facts after an edit) are compared with a fresh analysis.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CORPUS, noCorpus, requireCorpus } from './corpus';

export { CORPUS, noCorpus };

function corpusFiles(): string[] {
  const files: string[] = [];
  const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.sql') && files.push(path.join(d, e.name))));
  walk(requireCorpus());
  return files.sort();
}

/**
 * For every corpus file of 50 characters or more: `begin` with its text, then `perFile` edits in a
 * chain (each inserts one of `inserts` at a seeded random place and deletes up to 2 characters),
 * `edited` after each. Returns how many edits were made.
 */
export function randomEditChains(
  options: { inserts: string[]; seed: number; perFile: number },
  begin: (text: string, file: string) => void,
  edited: (text: string, file: string, k: number, at: number) => void,
): number {
  let seed = options.seed;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  let count = 0;
  for (const file of corpusFiles()) {
    let text = fs.readFileSync(file, 'utf8');
    if (text.length < 50) continue;
    begin(text, file);
    for (let k = 0; k < options.perFile; k++) {
      const at = random(text.length);
      text = text.slice(0, at) + options.inserts[random(options.inserts.length)] + text.slice(at + random(3));
      edited(text, file, k, at);
      count++;
    }
  }
  return count;
}
