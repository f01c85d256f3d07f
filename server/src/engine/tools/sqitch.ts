/** Sqitch: `deploy/`, `revert/`, `verify/` scripts beside `sqitch.plan`, run as written. */
import { defineTool, findUp, wholeFile } from './tool';

export const sqitch = defineTool({
  id: 'sqitch',
  label: 'Sqitch',
  docs: {
    detectedFrom: '`deploy/`, `revert/`, `verify/` with `sqitch.plan`',
    transaction: 'none: scripts carry their own `BEGIN` / `COMMIT`',
    optOut: "keep the statement outside the script's BEGIN ... COMMIT",
    sources: ["deploy/revert scripts are run as written; its templates put `BEGIN;` / `COMMIT;` in the script (sqitch-pg tutorial, https://sqitch.org/docs/manual/sqitchtutorial/)."],
  },
  sql: {
    detect: (file) => (/(^|\/)(deploy|revert|verify)\/[^/]+\.sql$/.test(file.path) && findUp(file.probe, 'sqitch.plan') ? 'sqitch.plan' : undefined),
    segments: (file) => wholeFile(file, false),
    optOut: 'leave the statement outside the BEGIN ... COMMIT of the script',
  },
});
