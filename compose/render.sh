#!/bin/sh
# Renders a gauntlet template (redis.conf.tmpl, sentinel.conf.tmpl, users.acl.tmpl) with the
# values in the environment, the way src/topology/configTemplate.ts does for the embedded
# topology: every upper-case placeholder in dollar-braces must be set, or this fails.
# Usage: render.sh TEMPLATE OUTPUT
set -eu
template="$1"; out="$2"
missing=""
for name in $(grep -o '\${[A-Z0-9_]*}' "$template" | tr -d '${}' | sort -u); do
  eval "value=\${$name-__unset__}"
  if [ "$value" = "__unset__" ]; then missing="$missing $name"; fi
done
[ -z "$missing" ] || { echo "render.sh: $template needs:$missing" >&2; exit 1; }
awk '{
  line = $0
  while (match(line, /\$\{[A-Z0-9_]+\}/)) {
    name = substr(line, RSTART + 2, RLENGTH - 3)
    line = substr(line, 1, RSTART - 1) ENVIRON[name] substr(line, RSTART + RLENGTH)
  }
  print line
}' "$template" > "$out"
