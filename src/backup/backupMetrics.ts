/**
 * The backup job's node_exporter textfile (textfile collector): the archive's age is what the
 * backup alert watches, not the node's own rdb_last_save (which says nothing of off-host copies).
 */
export interface BackupStatus {
  node: string;
  /** Unix seconds of the last pass that archived everything (AOF files, manifest, snapshot). */
  lastSuccess: number | null;
  /** Unix seconds of the newest RDB snapshot in the archive. */
  lastSnapshot: number | null;
  /** Unix seconds of the last pass that failed, and how many failed in a row. */
  lastFailure: number | null;
  failuresInARow: number;
  archivedFiles: number;
}

export function backupTextfile(s: BackupStatus): string {
  const label = `{node="${s.node.replace(/["\\\n]/g, '_')}"}`;
  const gauge = (name: string, help: string, value: number | null): string =>
    value === null ? '' : `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}${label} ${value}\n`;
  return [
    gauge('gauntlet_backup_last_success_timestamp_seconds', 'Unix time of the last archive pass that copied every AOF file, manifest and snapshot off the host.', s.lastSuccess),
    gauge('gauntlet_backup_last_snapshot_timestamp_seconds', 'Unix time of the newest RDB snapshot in the archive.', s.lastSnapshot),
    gauge('gauntlet_backup_last_failure_timestamp_seconds', 'Unix time of the last archive pass that failed.', s.lastFailure),
    gauge('gauntlet_backup_failures_in_a_row', 'Archive passes that failed since the last success.', s.failuresInARow),
    gauge('gauntlet_backup_archived_files', 'AOF files, manifests and snapshots in the archive.', s.archivedFiles),
  ].join('');
}
