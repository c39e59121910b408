#!/bin/sh
# probekit: the command-line tool (check, run, index, doctor). Runs out/cli.cjs, the bundle beside this script,
# with node from PATH (or $PROBEKIT_NODE), and the command's arguments as they are.
#
# NODE_EXTRA_CA_CERTS is dropped: Node 20 reads the file it names, and with it every certificate bundled with Node,
# when it starts, before any code runs (nodejs/node#40524): 35-40 ms of every start on a machine that sets it,
# two thirds of a bare `node -e 0`. probekit opens no TLS connection, nor does anything it runs. The same rule for
# node processes started from TypeScript: server/src/cli/cli-launch-env.ts.
unset NODE_EXTRA_CA_CERTS
# Where this script is, through the symlink npm makes for a package's bin (readlink runs only for a symlink: it is a
# process of its own, and the shell tests the link itself).
self=$0
if [ -L "$self" ]; then self=$(readlink -f -- "$self") || self=$0; fi
case $self in */*) ;; *) self=./$self ;; esac
# `check` parses: it runs with the language server's inlining budget (PARSE_JIT_FLAG in server/src/server-node-flags.ts,
# which says why). The other commands would only lose node's own code cache to a changed flag (~7 ms measured).
case ${1-} in
check) exec "${PROBEKIT_NODE:-node}" --max-inlined-bytecode-size-cumulative=100 "${self%/*}/cli.cjs" "$@" ;;
esac
exec "${PROBEKIT_NODE:-node}" "${self%/*}/cli.cjs" "$@"
