import { nodeOf } from '../ast';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'ban-create-domain-with-constraint',
    severity: 'info',
    scope: 'statement',
    docs: {
      summary: 'CREATE DOMAIN with a CHECK constraint: changing it later means checking every column that uses it.',
      why: `Creating the domain is harmless. The cost comes later: a new or changed CHECK on the domain is
verified against every row of every table with a column of that domain, under locks, and domain
constraints cannot be swapped as easily as a table CHECK. A CHECK on each table column keeps each
change to one table and allows NOT VALID / VALIDATE.`,
      because: 'A CHECK on a domain is verified against every row of every table with a column of that domain, under locks, each time one is added or changed: a change to the domain blocks writes to all those tables at once.',
      unsafe: `CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);`,
      safe: `CREATE DOMAIN positive_int AS int;
ALTER TABLE orders ADD CONSTRAINT orders_qty_positive CHECK (qty > 0) NOT VALID;`,
    },
    messages: {
      domainCheck: 'A CHECK on a domain is verified on every column that uses it whenever it changes. Prefer CHECK constraints on the table columns.',
    },
    fixable: [],
    squawk: ['ban-create-domain-with-constraint'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (s.kind !== 'CreateDomainStmt') continue;
      if (!(nodeOf(s.statement, 'CreateDomainStmt')?.constraints ?? []).some((c) => c.Constraint?.contype === 'CONSTR_CHECK')) continue;
      reports.push({ ...firstLine(s), messageId: 'domainCheck' });
    }
    return reports;
  },
};
