/**
 * The migration tools Migration Guard knows, one module each. Adding a tool is adding its module
 * and one entry here; the `framework` setting's values (package.json) and docs/frameworks.md's
 * tables are generated from this list (`npm run docs`).
 *
 * The order is the order of detection: the first tool whose `detect` claims a file runs it (markers
 * inside the file before path patterns, the more specific path before the general one), and the
 * first whose `embedded.claims` takes an `up` function reads a TypeScript / JavaScript migration.
 * `plain` claims nothing: it is what a file no tool claims is.
 */
import { atlas } from './atlas';
import { dbmate } from './dbmate';
import { diesel } from './diesel';
import { drizzle } from './drizzle';
import { flyway } from './flyway';
import { golangMigrate } from './golang-migrate';
import { goose } from './goose';
import { graphileMigrate } from './graphile-migrate';
import { knex } from './knex';
import { kysely } from './kysely';
import { liquibase } from './liquibase';
import { nodePgMigrate } from './node-pg-migrate';
import { plain } from './plain';
import { prisma } from './prisma';
import { refinery } from './refinery';
import { sequelize } from './sequelize';
import { sqitch } from './sqitch';
import { sqlx } from './sqlx';
import { supabase } from './supabase';
import { tern } from './tern';
import { FolderLayout, MigrationTool } from './tool';
import { typeorm } from './typeorm';
import { yoyo } from './yoyo';

export const TOOLS = [
  plain,
  // Markers inside the file.
  liquibase,
  dbmate,
  goose,
  tern,
  drizzle,
  // Paths and project files, the more specific first.
  prisma,
  supabase,
  graphileMigrate,
  atlas,
  diesel,
  sqitch,
  refinery,
  flyway,
  yoyo,
  sqlx,
  golangMigrate,
  // TypeScript / JavaScript (node-pg-migrate also has SQL files, told by their markers).
  typeorm,
  kysely,
  nodePgMigrate,
  sequelize,
  knex,
] as const;

export type Framework = (typeof TOOLS)[number]['id'];

const BY_ID = new Map<string, MigrationTool>(TOOLS.map((t) => [t.id, t]));

export function toolById(id: string): MigrationTool | undefined {
  return BY_ID.get(id);
}

/** The tools that run `.sql` files: the values of the `framework` setting besides `auto`. */
export const SQL_TOOLS: readonly Framework[] = TOOLS.filter((t) => t.sql).map((t) => t.id);

/** One folder per migration: the names of the files that run in each folder (Prisma's migration.sql, Diesel's up.sql). */
export const FOLDER_LAYOUTS: readonly FolderLayout[] = TOOLS.flatMap((t) => (t.sql?.folder ? [t.sql.folder] : []));

/** The tools with TypeScript / JavaScript migrations, in the order they claim an `up` function. */
export const EMBEDDED_TOOLS = TOOLS.filter((t) => t.embedded);

export * from './tool';
