import { nodeOf } from '../ast';
import { firstLine, keywordToken, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'create-extension-if-not-exists',
    severity: 'warning',
    scope: 'statement',
    messages: {
      missingIfNotExists:
        'CREATE EXTENSION {{extension}} fails when the extension is already installed, as managed services often have it (Supabase, RDS, Cloud SQL install some for you). Use CREATE EXTENSION IF NOT EXISTS.',
    },
    docs: {
      summary: 'CREATE EXTENSION without IF NOT EXISTS.',
      why: `Managed PostgreSQL services install some extensions in every database (Supabase: pgcrypto, uuid-ossp,
pg_stat_statements...), and a database restored from a dump or set up by hand may have others.
CREATE EXTENSION then fails with "extension ... already exists", and the migration with it, in
production only. IF NOT EXISTS makes the statement a no-op there.`,
      unsafe: `CREATE EXTENSION pgcrypto;`,
      safe: `CREATE EXTENSION IF NOT EXISTS pgcrypto;`,
      notes: `IF NOT EXISTS does not upgrade an older version of the extension: use ALTER EXTENSION ... UPDATE for that.
Many managed services only allow the extensions they list, and some need them created by an
administrator: check the provider's list before the deploy.`,
    },
    fixable: ['safe'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      const n = nodeOf(s.statement, 'CreateExtensionStmt');
      if (!n || n.if_not_exists) continue;
      const at = keywordToken(s.statement.tokens, 'EXTENSION')?.end;
      reports.push({
        ...firstLine(s),
        messageId: 'missingIfNotExists',
        data: { extension: n.extname ?? '' },
        fixes: at === undefined ? [] : [{ title: 'Add IF NOT EXISTS', safety: 'safe', edits: [{ start: at, end: at, newText: ' IF NOT EXISTS' }] }],
      });
    }
    return reports;
  },
};
