/**
 * The corpus-driven suites read ../shared/corpus. Without it a developer's run skips them; a CI run (CI set, as
 * .ci/run does) fails instead, so a checkout without the corpus cannot pass by skipping.
 */

/** Whether to skip a suite that found `found` corpus files under `corpus`; throws in CI when there are none. */
export function skipWithoutCorpus(found: number, corpus: string, env: NodeJS.ProcessEnv = process.env): boolean {
    if (found > 0) {
        return false;
    }
    if (env.CI && env.CI !== 'false' && env.CI !== '0') {
        throw new Error(`no corpus files in ${corpus}: a CI run needs the shared corpus (../shared/corpus)`);
    }
    return true;
}
