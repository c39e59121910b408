/** Usage texts, kept apart so that `probekit --help` loads no command. */
export const CHECK_USAGE = `usage: probekit check [--syntax-only] [--format text|json] [--stap-options "…"]
                      [--kernel-release R] [--arch A] [--tapset-dir DIR]… [--bpftrace-version V] FILE|DIR…`;

export const RUN_USAGE = `usage: probekit run [options] FILE [--] [SCRIPT ARGS…]
  runs a .stp or .bt script through the Probekit run backend; Ctrl-C stops it (end probes run, maps print)
  SCRIPT ARGS are the script's own arguments ($1, $2 … in bpftrace, $1 or @1 … in stap), never tool options:
  every word after \`--\` goes to the script, even one starting with - (probekit run x.bt -- --verbose 42).
  Options for stap or bpftrace themselves go one per --tool-arg (probekit run x.bt --tool-arg -k).
  Exit status: the tool's (128+N when it was killed by signal N); 2 for a usage error.
  --tool stap|bpftrace      (default: from the file extension)
  --target-command CMD      -c CMD          --target-pid PID   -x PID (stap) / -p PID (bpftrace)
  --runtime kernel|bpf      stap runtime    --one-go           stap in one go instead of -p4 then staprun
  --guru                    stap -g         --suppress-time-limits
  --define NAME=VAL …       stap -D         --include DIR …    -I DIR
  --kernel-tree DIR         stap -r DIR (default: the machine's, or a stub in the cache)
  --json                    bpftrace -f json   --unsafe        bpftrace --unsafe
  --tool-arg ARG …          one more option for the tool itself, verbatim (before the script)
  --host [user@]host[:port] … run there over ssh (stap --remote / ssh host bpftrace -)
  --identity FILE           ssh -i FILE      --ssh-option ARG …  one more ssh argument, verbatim
  --grace MS                between SIGINT, SIGTERM and SIGKILL on stop (default 5000)`;
