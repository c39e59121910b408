/**
 * The environment the `probekit` launcher (server/src/cli/probekit.sh, shipped as out/probekit) gives node: the
 * caller's, less NODE_EXTRA_CA_CERTS. Node 20 loads the certificates that variable names, and with them all it has
 * bundled, at startup, before any code runs (nodejs/node#40524): 35–40 ms of every process on a machine that sets
 * it, two thirds of a bare node start there. Nothing in Probekit opens a TLS connection. For node processes started
 * as probekit starts its commands (the benches' children).
 */
export function launcherEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const out = { ...env };
    delete out.NODE_EXTRA_CA_CERTS;
    return out;
}
