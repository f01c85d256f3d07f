/**
 * Where the steps of a plan go: named and laid out the way the file's migration tool expects,
 * after the migration the plan replaces.
 */
import * as path from 'node:path';
import { Framework } from './engine/context';
import { Plan } from './engine/plan';

export interface PlannedFile {
  path: string;
  content: string;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A 14-digit timestamp plus `seconds`. */
function addSeconds(stamp: string, seconds: number): string {
  const d = new Date(Date.UTC(+stamp.slice(0, 4), +stamp.slice(4, 6) - 1, +stamp.slice(6, 8), +stamp.slice(8, 10), +stamp.slice(10, 12), +stamp.slice(12, 14)) + seconds * 1000);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}`;
}

/** The next version after `version`, `step` steps on: timestamps move by seconds, sequences by one. */
function nextVersion(version: string, step: number): string {
  if (/^\d{14}$/.test(version)) return addSeconds(version, step);
  if (/^\d{13}$/.test(version)) return String(Number(version) + step); // node-pg-migrate: milliseconds
  return pad(Number(version) + step, version.length);
}

export function planFiles(original: string, framework: Framework, plan: Plan): PlannedFile[] {
  const dir = path.dirname(original);
  const base = path.basename(original);
  const header = (i: number) => `-- Step ${i + 1} of ${plan.steps.length}: ${plan.title}\n-- ${plan.steps[i].note}\n`;
  return plan.steps.map((step, i) => {
    const n = i + 1;
    const body = `${header(i)}${step.sql}\n`;
    switch (framework) {
      case 'flyway': {
        const version = /^V([\d._]+)__/.exec(base)?.[1] ?? '1';
        return { path: path.join(dir, `V${version}.${n}__${step.slug}.sql`), content: body };
      }
      case 'golang-migrate': {
        const version = /^(\d+)_/.exec(base)?.[1] ?? '1';
        return { path: path.join(dir, `${nextVersion(version, n)}_${step.slug}.up.sql`), content: body };
      }
      case 'dbmate':
        return { path: path.join(dir, `${nextVersion(/^(\d+)/.exec(base)?.[1] ?? '0', n)}_${step.slug}.sql`), content: `-- migrate:up${/CONCURRENTLY|COMMIT;/.test(step.sql) ? ' transaction:false' : ''}\n${body}\n-- migrate:down\n` };
      case 'goose':
        return { path: path.join(dir, `${nextVersion(/^(\d+)/.exec(base)?.[1] ?? '0', n)}_${step.slug}.sql`), content: `${/CONCURRENTLY|COMMIT;/.test(step.sql) ? '-- +goose NO TRANSACTION\n' : ''}-- +goose Up\n${body}` };
      case 'prisma': {
        const folder = path.basename(dir);
        const stamp = /^(\d+)_/.exec(folder)?.[1] ?? '0';
        return { path: path.join(path.dirname(dir), `${nextVersion(stamp, n)}_${step.slug}`, 'migration.sql'), content: body };
      }
      case 'supabase':
      case 'node-pg-migrate':
        return { path: path.join(dir, `${nextVersion(/^(\d+)/.exec(base)?.[1] ?? '0', n)}_${step.slug}.sql`), content: framework === 'node-pg-migrate' ? `-- Up Migration\n${body}` : body };
      case 'liquibase':
        return { path: path.join(dir, `${base.replace(/\.sql$/, '')}.step${n}-${step.slug}.sql`), content: `--liquibase formatted sql\n\n--changeset migration-guard:${step.slug}-${n}${/CONCURRENTLY|COMMIT;/.test(step.sql) ? ' runInTransaction:false' : ''}\n${body}` };
      default:
        return { path: path.join(dir, `${base.replace(/\.sql$/, '')}.step${n}-${step.slug}.sql`), content: body };
    }
  });
}
