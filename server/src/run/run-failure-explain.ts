import { hostAddress, hostLabel } from './run-host.js';
import type { RemoteHost, RunTool } from './run-types.js';

/** Facts that change the advice. */
export interface FailureContext {
    tool: RunTool;
    runtime?: 'kernel' | 'bpf';
    /** The stap kernel tree is a stub (no headers). */
    stubKernelTree?: boolean;
    /** CONFIG_MODULES of the running kernel, when known. */
    kernelHasModules?: boolean;
    exitCode: number | null;
    /** The host of a remote run: ssh's own failures (exit status 255, like a bpftrace attach failure) are told apart. */
    host?: RemoteHost;
}

/**
 * Recognise the usual reasons a run fails to load, from the tool's stderr, and say in plain words what happened
 * and what to do. undefined when nothing is recognised (the tool's own words then stand).
 */
export function explainFailure(stderr: string, ctx: FailureContext): string | undefined {
    const ssh = ctx.host ? explainSsh(stderr, ctx.host) : undefined;
    if (ssh) return ssh;
    if (ctx.tool === 'stap') return explainStap(stderr, ctx);
    return explainBpftrace(stderr, ctx);
}

/** ssh's own words when it cannot connect or log in (it then exits 255, the status bpftrace uses for attach failures). */
function explainSsh(stderr: string, host: RemoteHost): string | undefined {
    const name = host.name ? `${hostLabel(host)} (${hostAddress(host)})` : hostAddress(host);
    const port = host.port ?? 22;
    const where = 'Check the host and port (setting probekit.run.hosts, or --host)';
    if (/^ssh: connect to host .*: Connection refused/m.test(stderr)) {
        return `ssh could not connect to ${name}: the connection was refused, so nothing listens for ssh on port ${port} there. ${where}, and that sshd runs on it.`;
    }
    if (/^ssh: Could not resolve hostname /m.test(stderr)) {
        return `ssh could not find ${name}: the name ${host.host} does not resolve. Check its spelling, or give its address.`;
    }
    if (/^ssh: connect to host .*: (?:Connection timed out|No route to host|Network is unreachable)/m.test(stderr)) {
        return `ssh could not reach ${name} (${/: (Connection timed out|No route to host|Network is unreachable)/.exec(stderr)![1].toLowerCase()}). ${where}, that it is up, and that the network lets port ${port} through.`;
    }
    if (/^Host key verification failed\./m.test(stderr)) {
        return `ssh would not log in to ${name}: the host's key is not in known_hosts (or it changed since it was). Connect once from a terminal (ssh -p ${port} ${hostAddress({ ...host, port: undefined })}), check and accept the key, then run again.`;
    }
    if (/Permission denied \(/.test(stderr)) {
        return `ssh reached ${name} but could not log in${host.user ? ` as ${host.user}` : ''}: Probekit runs ssh with BatchMode=yes, so it never asks for a password or passphrase and a key must work on its own. `
            + 'Name the key (identityFile in probekit.run.hosts, or --identity) or load it into ssh-agent, and put its public half in ~/.ssh/authorized_keys on the host.';
    }
    if (/^(?:kex_exchange_identification: .*|Connection closed by .*|Connection reset by .*)$/m.test(stderr)) {
        return `${name} closed the ssh connection before login. ${where}, and the host's sshd log for why it refused.`;
    }
    if (/error establishing ssh connection on remote/.test(stderr)) {
        return `stap could not open an ssh connection to ${name}. ${where}, and that \`ssh -o BatchMode=yes -p ${port} ${hostAddress({ ...host, port: undefined })} true\` works from a terminal with the same key and options.`;
    }
    return undefined;
}

function explainStap(stderr: string, ctx: FailureContext): string | undefined {
    if (/failed to copy the module to/.test(stderr)) {
        if (ctx.runtime === 'bpf' && /stat local ".*\.ko": No such file/.test(stderr)) {
            return 'The script compiled here (passes 1–4) and the host answered, but stap --remote with --runtime=bpf '
                + 'tries to copy a kernel module (.ko) instead of the BPF object it built (a limitation of this stap '
                + 'version). Use the kernel runtime for remote stap runs, or run bpftrace on the host.';
        }
        return 'The script compiled here (passes 1–4) but could not be copied to the host: check that scp (SFTP) works '
            + 'for that host with the same key and options.';
    }
    if (/could not increase map resource limit|failed to increase (?:the )?(?:memlock|locked memory)/i.test(stderr)) {
        return 'The script compiled (passes 1–4 succeeded), but stapbpf could not load it: it must raise its '
            + 'locked-memory limit (RLIMIT_MEMLOCK) and this machine does not allow that (no CAP_SYS_RESOURCE, as in '
            + 'most containers). Run it on a machine or VM where root has full capabilities, or start the container '
            + 'with --cap-add SYS_RESOURCE (or a higher `ulimit -l`).';
    }
    if (/Ensure kernel development headers|Checking ".*Makefile.*" failed/.test(stderr)) {
        const noModules = ctx.kernelHasModules === false
            ? ' Besides, this kernel is built without loadable modules (CONFIG_MODULES is not set), so the kernel-module runtime can never load here.'
            : '';
        return 'Passes 1–3 succeeded, but pass 4 cannot build a kernel module: there is no kernel build tree with '
            + `headers and a Makefile${ctx.stubKernelTree ? ' (Probekit used a config-only stub)' : ''}.${noModules} `
            + 'Use the BPF runtime (setting systemtap.run.runtime = "bpf", or --runtime=bpf), or install the headers '
            + 'for the running kernel (linux-headers-$(uname -r)).';
    }
    if (/Couldn't insert module|insmod|init_module|Operation not permitted.*module/i.test(stderr)) {
        const noModules = ctx.kernelHasModules === false
            ? ' This kernel is built without loadable modules (CONFIG_MODULES is not set): use --runtime=bpf.'
            : ' Check that module loading is allowed (Secure Boot / lockdown refuse unsigned modules) and that you are root or in the stapusr group.';
        return `The module compiled but the kernel refused to load it.${noModules}`;
    }
    if (/Pass 5: run failed/.test(stderr) && ctx.kernelHasModules === false && ctx.runtime !== 'bpf') {
        return 'This kernel is built without loadable modules (CONFIG_MODULES is not set): the kernel-module runtime '
            + 'cannot run here. Use the BPF runtime (--runtime=bpf).';
    }
    if (/Pass 1: parse failed|Pass 2: analysis failed/.test(stderr)) {
        return 'stap rejected the script; the errors are marked in the editor.';
    }
    if (/You are trying to run systemtap as a normal user|must be root|stapusr/i.test(stderr)) {
        return 'Loading needs root or membership in the stapusr group (stapdev to compile).';
    }
    return undefined;
}

function explainBpftrace(stderr: string, ctx: FailureContext): string | undefined {
    if (/only supports running as the root user/i.test(stderr)) {
        return 'bpftrace must run as root. Run VS Code as root, or allow `sudo -n bpftrace` with a sudoers line.';
    }
    if (/kconfig\.h.*not found|kconfig\.h' file not found/.test(stderr)) {
        return 'bpftrace found a kernel build directory without headers (/lib/modules/$(uname -r)/build): remove '
            + 'that stub or install the real headers.';
    }
    if (/tracefs|debugfs.*not mounted|Could not (?:find|read) .*tracing/i.test(stderr)) {
        return 'tracefs is not mounted: run `mount -t tracefs nodev /sys/kernel/tracing` as root.';
    }
    if (ctx.exitCode === 255 || /Error attaching probe|Failed to attach/i.test(stderr)) {
        return 'bpftrace could not attach a probe: the probe may not exist on this kernel (kprobes or kfuncs may be '
            + 'missing; `bpftrace -l` lists what this kernel offers).';
    }
    return undefined;
}
