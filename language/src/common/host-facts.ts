/**
 * Facts about the machine the scripts are written for. `language/` never reads them itself:
 * the language server and the CLI inject an implementation (see server/src/providers), tests a
 * fixture. Every member may be unknown; callers fall back to documented defaults.
 */
export interface HostFacts {
    /** `uname -r`, e.g. `6.18.44-fc-v769`. */
    kernelRelease?: string;
    /** stap's name for the architecture (`x86_64`, `arm64`, `s390`, `powerpc`, `i386`, …). */
    arch?: string;
    /** Kernel configuration (`CONFIG_X` → `y`/`m`/string/number), from /proc/config.gz or /boot/config-*. */
    kernelConfig?: ReadonlyMap<string, string>;
    /** Installed `stap` version (`4.8`), if any. */
    stapVersion?: string;
    /** Installed `bpftrace` version (`0.17.0`), if any. */
    bpftraceVersion?: string;
    /** Tapset directories stap would read (installed library first). */
    tapsetDirs?: readonly string[];
}

/** Nothing known: what tests and a browser get. */
export const UnknownHost: HostFacts = {};
