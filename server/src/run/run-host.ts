import type { RemoteHost } from './run-types.js';

/** Where a host is: `[user@]host[:port]`, everything ssh is told. */
export function hostAddress(host: RemoteHost): string {
    return `${host.user ? `${host.user}@` : ''}${host.host}${host.port ? `:${host.port}` : ''}`;
}

/**
 * The one name of a host wherever runs are shown or told apart (panel titles, finished runs, CLI line prefixes):
 * its `name`, else its address, so two hosts that differ only by user or port never share a panel.
 */
export function hostLabel(host: RemoteHost): string {
    return host.name || hostAddress(host);
}

/** A run's title: the script's name, and `@ label` for a remote run. */
export function runTitle(scriptName: string, host: RemoteHost | undefined): string {
    return host ? `${scriptName} @ ${hostLabel(host)}` : scriptName;
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]` → a host (a settings string or a CLI `--host`). */
export function parseHostSpec(spec: string): RemoteHost {
    const m = /^(?:ssh:\/\/)?(?:([^@/\s]+)@)?(\[[^\]]+\]|[^:@/\s]+)(?::(\d+))?\/?$/.exec(spec.trim());
    if (!m) throw new Error(`not a host: '${spec}' (expected [user@]host[:port])`);
    const host: RemoteHost = { host: m[2].replace(/^\[(.*)\]$/, '$1') };
    if (m[1]) host.user = m[1];
    if (m[3]) host.port = Number(m[3]);
    return checkHost(host, spec);
}

/**
 * A host whose name or user could be read as an option is refused: ssh (and stap --remote, which runs ssh) takes
 * `-oProxyCommand=…` in the destination for an option, and that runs any command. Names never start with `-`.
 */
export function checkHost(host: RemoteHost, given: string = hostAddress(host)): RemoteHost {
    const bad = [host.host, host.user ?? ''].find(w => w.startsWith('-') || /[\s\0]/.test(w));
    if (bad !== undefined || host.host === '') {
        throw new Error(`not a host: '${given}' (a host or user name cannot be empty, start with '-' or hold spaces)`);
    }
    return host;
}

/** `[user@]host` for ssh's destination argument, checked. */
export function sshDestination(host: RemoteHost): string {
    checkHost(host);
    return host.user ? `${host.user}@${host.host}` : host.host;
}
