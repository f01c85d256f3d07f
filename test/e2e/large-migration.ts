/**
 * A Prisma project with one large migration, the size and shape of the 894-line file of the
 * issue's real project (issue 22, point 7): Prisma Migrate's generated SQL (its `-- CreateTable`,
 * `-- AlterTable`, `-- CreateIndex`, `-- AddForeignKey` comments and formatting) over tables an
 * earlier migration created, so that the rules have something to say, as on the real file.
 * Deterministic: the same text on every run.
 */

/** Tables the first migration creates; the large migration alters them. */
const EXISTING = ['User', 'Account', 'Session', 'Organization', 'Membership', 'Project', 'Task', 'Comment', 'Attachment', 'Label', 'Invoice', 'Payment', 'Subscription', 'Plan', 'Webhook', 'AuditLog', 'ApiKey', 'Notification', 'Team', 'Invite'];
/** Tables the large migration creates. */
const NEW = ['Workspace', 'Board', 'Column', 'Card', 'Checklist', 'ChecklistItem', 'Sprint', 'Milestone', 'Release', 'Deployment', 'Environment', 'Secret', 'Integration', 'Import', 'Export', 'Report', 'Dashboard', 'Widget', 'Metric', 'Alert', 'Incident', 'Runbook', 'Schedule', 'Shift'];
const ENUMS: [string, string[]][] = [
  ['Role', ['OWNER', 'ADMIN', 'MEMBER', 'GUEST']],
  ['TaskStatus', ['TODO', 'IN_PROGRESS', 'IN_REVIEW', 'DONE', 'CANCELED']],
  ['Priority', ['LOW', 'MEDIUM', 'HIGH', 'URGENT']],
  ['BillingInterval', ['MONTH', 'YEAR']],
  ['IncidentSeverity', ['SEV1', 'SEV2', 'SEV3', 'SEV4']],
  ['DeploymentState', ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED']],
];

const pk = (t: string) => `    CONSTRAINT "${t}_pkey" PRIMARY KEY ("id")`;

/** `prisma/migrations/20240101000000_init/migration.sql`: the tables the large migration finds. */
export function initMigration(): string {
  return EXISTING.map((t) => `-- CreateTable\nCREATE TABLE "${t}" (\n    "id" TEXT NOT NULL,\n    "name" TEXT NOT NULL,\n    "ownerId" TEXT,\n    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n${pk(t)}\n);\n`).join('\n');
}

/** `prisma/migrations/20240301000000_workspaces/migration.sql`: 894 lines, as the issue's file. */
export function largeMigration(): string {
  const parts: string[] = [];
  for (const [name, values] of ENUMS) parts.push(`-- CreateEnum\nCREATE TYPE "${name}" AS ENUM (${values.map((v) => `'${v}'`).join(', ')});\n`);
  EXISTING.forEach((t, i) => {
    parts.push(`-- AlterTable\nALTER TABLE "${t}" ADD COLUMN     "workspaceId" TEXT,\nADD COLUMN     "updatedAt" TIMESTAMP(3),\nALTER COLUMN "name" SET DATA TYPE VARCHAR(${120 + i});\n`);
  });
  NEW.forEach((t, i) => {
    const [enumName] = ENUMS[i % ENUMS.length];
    const columns = [
      '"id" TEXT NOT NULL',
      '"workspaceId" TEXT NOT NULL',
      '"name" TEXT NOT NULL',
      '"description" TEXT',
      `"kind" "${enumName}" NOT NULL`,
      '"position" INTEGER NOT NULL DEFAULT 0',
      '"settings" JSONB NOT NULL DEFAULT \'{}\'',
      '"archived" BOOLEAN NOT NULL DEFAULT false',
      '"createdById" TEXT',
      '"createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP',
      '"updatedAt" TIMESTAMP(3) NOT NULL',
    ];
    parts.push(`-- CreateTable\nCREATE TABLE "${t}" (\n${columns.map((c) => `    ${c},`).join('\n')}\n\n${pk(t)}\n);\n`);
  });
  NEW.forEach((t) => parts.push(`-- CreateIndex\nCREATE INDEX "${t}_workspaceId_idx" ON "${t}"("workspaceId");\n`));
  NEW.slice(0, 20).forEach((t) => parts.push(`-- CreateIndex\nCREATE UNIQUE INDEX "${t}_workspaceId_name_key" ON "${t}"("workspaceId", "name");\n`));
  EXISTING.forEach((t) => parts.push(`-- CreateIndex\nCREATE INDEX "${t}_workspaceId_idx" ON "${t}"("workspaceId");\n`));
  NEW.forEach((t) => parts.push(`-- AddForeignKey\nALTER TABLE "${t}" ADD CONSTRAINT "${t}_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;\n`));
  NEW.slice(0, 15).forEach((t) => parts.push(`-- AddForeignKey\nALTER TABLE "${t}" ADD CONSTRAINT "${t}_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;\n`));
  EXISTING.forEach((t) => parts.push(`-- AddForeignKey\nALTER TABLE "${t}" ADD CONSTRAINT "${t}_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE SET NULL ON UPDATE CASCADE;\n`));
  return parts.join('\n');
}
