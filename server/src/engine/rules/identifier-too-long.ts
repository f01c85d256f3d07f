import { parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'identifier-too-long',
    severity: 'warning',
    scope: 'statement',
    docs: {
      summary: 'A name longer than 63 bytes, which PostgreSQL silently truncates.',
      why: `PostgreSQL keeps the first 63 bytes of an identifier (NAMEDATALEN - 1) and only raises a NOTICE. Two
long names that share their first 63 bytes collide, and code or later migrations that use the full
name do not find the object.`,
      unsafe: `CREATE INDEX index_on_customer_subscriptions_renewal_reminder_sent_at_and_status ON subscriptions (renewal_reminder_sent_at, status);`,
      safe: `CREATE INDEX subscriptions_reminder_status_idx ON subscriptions (renewal_reminder_sent_at, status);`,
    },
    messages: {
      truncated: '"{{name}}" is {{bytes}} bytes: PostgreSQL truncates it to 63, to "{{kept}}".',
    },
    fixable: [],
    squawk: ['identifier-too-long'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      // PostgreSQL's scanner truncates the name before the parser sees it: read the tokens.
      for (const t of s.statement.tokens) {
        if (t.name !== 'IDENT') continue;
        // A UTF-16 unit is at most 3 UTF-8 bytes: names of 21 units or fewer fit (most of them).
        if (t.text.length <= 21) continue;
        const name = t.text.startsWith('"') ? t.text.slice(1, -1).replace(/""/g, '"') : t.text.toLowerCase();
        const bytes = new TextEncoder().encode(name);
        if (bytes.length <= 63) continue;
        const kept = new TextDecoder().decode(bytes.subarray(0, 63)).replace(/\uFFFD$/, '');
        reports.push({ start: t.start, end: t.end, messageId: 'truncated', data: { name, bytes: bytes.length, kept } });
      }
    }
    return reports;
  },
};
