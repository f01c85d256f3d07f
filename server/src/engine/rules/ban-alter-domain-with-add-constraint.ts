import { nodeOf } from '../ast';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'ban-alter-domain-with-add-constraint',
    severity: 'error',
    scope: 'statement',
    docs: {
      summary: 'ALTER DOMAIN ... ADD CONSTRAINT validated in one step, against every column of that domain.',
      why: `A constraint added to a domain is checked against every row of every table that has a column of the
domain, while those tables are locked against writes. Added NOT VALID, it applies to new values at
once; VALIDATE CONSTRAINT then checks the existing ones separately.`,
      unsafe: `ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0);`,
      safe: `ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0) NOT VALID;
ALTER DOMAIN positive_int VALIDATE CONSTRAINT positive;`,
      noSafeForm: `ALTER DOMAIN ... ADD CONSTRAINT ... NOT VALID exists, but ALTER DOMAIN ... VALIDATE CONSTRAINT still
checks every column of the domain under a lock that blocks writes to those tables: there is no
non-blocking form. Use CHECK constraints on the tables instead (each added NOT VALID, then validated).`,
    },
    messages: {
      validatedAtOnce: 'ALTER DOMAIN ... ADD CONSTRAINT checks every column of this domain in every table, blocking writes to them. Add it NOT VALID, then VALIDATE CONSTRAINT.',
    },
    fixable: [],
    squawk: ['ban-alter-domain-with-add-constraint'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      const n = nodeOf(s.statement, 'AlterDomainStmt');
      if (!n || n.subtype !== 'C' || n.def?.Constraint?.skip_validation) continue;
      if (n.def?.Constraint?.contype !== 'CONSTR_CHECK') continue;
      reports.push({ ...firstLine(s), messageId: 'validatedAtOnce' });
    }
    return reports;
  },
};
