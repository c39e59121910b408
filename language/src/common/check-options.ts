/**
 * Options of `probekit check` (and of the server's settings) that change how a file is checked.
 * Each language reads the part it cares about.
 */
export interface CheckOptions {
    /** Only lexer, preprocessor and parser diagnostics. */
    syntaxOnly?: boolean;
    /** stap command-line options as one string (`-g -u --compatible=4.0 -I dir -D X=1 arg1`). */
    stapOptions?: string;
    kernelRelease?: string;
    arch?: string;
    tapsetDirs?: readonly string[];
    /** Where relative directories in these options (`--tapset-dir`, `-I`) are taken from: the CLI's working
     *  directory, the editor's workspace folder. */
    baseDir?: string;
    /** `0.17` … `0.26` or `latest`. */
    bpftraceVersion?: string;
}
