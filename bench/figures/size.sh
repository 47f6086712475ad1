#!/bin/bash
# Size on disk: our one static binary; PM2's npm install (node_modules)
# and that plus the Node.js runtime it needs; tini and dumb-init.
. "$(dirname "$0")/../lib.sh"

mb() { awk -v b="$1" 'BEGIN { printf "%.3f", b / 1048576 }'; }

record size pm2c "$(mb "$(stat -c %s "$PM2C")")"
if [ -n "$PM2_PREFIX" ] && [ -d "$PM2_PREFIX/node_modules" ]; then
	npm_bytes=$(du -sb "$PM2_PREFIX/node_modules" | cut -f1)
	record size pm2 "$(mb "$npm_bytes")"
	# Node itself, and Debian's libnode when node is linked against it.
	node=$(readlink -f "$(command -v node)")
	node_bytes=$(stat -c %s "$node")
	lib=$(ldd "$node" 2>/dev/null | awk '/libnode/ { print $3 }')
	[ -n "$lib" ] && node_bytes=$((node_bytes + $(stat -c %s "$(readlink -f "$lib")")))
	record size pm2+node "$(mb $((npm_bytes + node_bytes)))"
fi
for init in $(init_subjects); do
	p=$(command -v $init) && record size "$init" "$(mb "$(stat -c %s "$(readlink -f "$p")")")"
done
exit 0
