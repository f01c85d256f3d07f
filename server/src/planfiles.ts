/**
 * Where the steps of a plan go: named and laid out the way the file's migration tool expects
 * (each tool module's `planFile`), after the migration the plan replaces.
 */
import * as path from 'node:path';
import { Framework } from './engine/context';
import { Plan } from './engine/plan';
import { toolById } from './engine/tools';

export interface PlannedFile {
  path: string;
  content: string;
}

export function planFiles(original: string, framework: Framework, plan: Plan): PlannedFile[] {
  const dir = path.dirname(original);
  const base = path.basename(original);
  const header = (i: number) => `-- Step ${i + 1} of ${plan.steps.length}: ${plan.title}\n-- ${plan.steps[i].note}\n`;
  const naming = toolById(framework)?.sql?.planFile;
  return plan.steps.flatMap((step, i) => {
    const n = i + 1;
    const body = `${header(i)}${step.sql}\n`;
    // Tools without a naming of their own: the step beside the original, named after it.
    const planned = naming?.({ base, folder: path.basename(dir), n, step, plan, body }) ?? { path: `${base.replace(/\.sql$/, '')}.step${n}-${step.slug}.sql`, content: body };
    // Beside the step: what tells the tool to run it outside a transaction (Diesel's metadata.toml, Flyway's .conf).
    return [planned, ...(('also' in planned && planned.also) || [])].map((f) => ({ path: path.join(dir, ...f.path.split('/')), content: f.content }));
  });
}
