/** refinery: `V<version>__<name>.sql` (and unversioned `U<version>__<name>.sql`), each in one transaction. */
import { cargoDepends, defineTool, findUp, wholeFile } from './tool';

export const refinery = defineTool({
  id: 'refinery',
  label: 'refinery',
  docs: {
    detectedFrom: '`V<n>__<name>.sql` / `U<n>__<name>.sql` in a crate whose `Cargo.toml` depends on refinery, or beside `refinery.toml`',
    transaction: 'one per migration (all pending ones in one with `set_grouped(true)` / `--grouped`)',
    optOut: 'none: refinery has no per-migration switch; run such statements outside refinery',
    sources: [
      'rust-db/refinery `refinery_core/src/util.rs` (`STEM_RE` = `^([U|V])(\\d+(?:\\.\\d+)?)__(\\w+)`: U is unversioned, not undo), `refinery_core/src/traits/sync.rs` (`migrate`: each migration through `transaction.execute`, or all of them at once when grouped), `refinery_core/src/drivers/postgres.rs` and `tokio_postgres.rs` (`execute` opens a transaction, `batch_execute`s, commits); README "By default, refinery runs each migration in a single transaction"; no `noTransaction` marker exists (searched the source at 14354f5)',
    ],
  },
  sql: {
    detect(file) {
      if (!/^[UV]\d+(\.\d+)?__\w+\.sql$/.test(file.base)) return undefined;
      if (cargoDepends(file.probe, 'refinery')) return 'Cargo.toml depends on refinery';
      return findUp(file.probe, 'refinery.toml') ? 'refinery.toml' : undefined;
    },
    segments: (file) => wholeFile(file, true),
    optOut: 'refinery runs every migration in a transaction and has no switch: run the statement outside refinery',
    // U<n>__ is refinery's unversioned migration, which runs forward.
    direction: () => 'up',
  },
});
