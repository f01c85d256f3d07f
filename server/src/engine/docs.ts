/** Where each finding's documentation lives: the pages generated from the rule files into docs/rules/. */
export const REPOSITORY_URL = 'https://github.com/migration-guard/migration-guard';

export function docsUrl(ruleId: string): string {
  return `${REPOSITORY_URL}/blob/main/docs/rules/${ruleId}.md`;
}
