#!/bin/sh
# The backup job of one node: archives every AOF file (base, incr, manifest) off the node before a
# rewrite can delete it, takes RDB snapshots on a schedule, and writes gauntlet_backup_* metrics
# for node_exporter's textfile collector. Run by the compose backup services and by
# gauntlet-backup-archive@.service (systemd); the settings come from the environment.
#
# Usage: backup-job.sh NODE
#   DATA_DIR        the node's dir                       (default /data)
#   ARCHIVE_ROOT    archives, one directory per node     (default /archive)
#   TEXTFILE_DIR    node_exporter textfile directory     (default /textfile)
#   REDIS_ADDR      HOST:PORT for BGSAVE                 (default NODE:6379)
#   TLS_CA          CA file: BGSAVE over TLS             (default /tls/ca.crt when it exists)
#   SNAPSHOT_EVERY  RDB snapshot schedule                (default 1h; "off" to rely on `save`)
#   ARCHIVE_CMD     run for each archived file (FILE, NAME in its environment), e.g. an S3 upload
#   GAUNTLET_BACKUP_PASSWORD  the backup ACL user's password
#   GAUNTLET        the gauntlet command                 (default: gauntlet on PATH)
set -eu
node="${1:?usage: backup-job.sh NODE}"
data="${DATA_DIR:-/data}"
archive="${ARCHIVE_ROOT:-/archive}/$node"
textfile="${TEXTFILE_DIR:-/textfile}/gauntlet_backup_$node.prom"
set -- backup archive --data-dir "$data" --archive "$archive" --node "$node" --textfile "$textfile"
if [ -n "${ARCHIVE_CMD:-}" ]; then set -- "$@" --archive-cmd "$ARCHIVE_CMD"; fi
every="${SNAPSHOT_EVERY:-1h}"
if [ "$every" != off ]; then
  set -- "$@" --snapshot-every "$every" --redis "${REDIS_ADDR:-$node:6379}"
  ca="${TLS_CA:-/tls/ca.crt}"
  if [ -f "$ca" ]; then set -- "$@" --tls-ca "$ca"; fi
fi
exec ${GAUNTLET:-gauntlet} "$@"
