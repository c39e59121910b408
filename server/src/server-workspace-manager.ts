import { DefaultWorkspaceManager, type Cancellation, type LangiumSharedCoreServices, type ConfigurationProvider } from 'langium';
import type { WorkspaceFolder } from 'vscode-languageserver';

/**
 * Holds the first workspace build until the settings are applied: the SystemTap preprocessor needs the target
 * and the library macros before the first document is parsed, or every open file would be parsed twice.
 */
export class ProbekitWorkspaceManager extends DefaultWorkspaceManager {
    private readonly configuration: ConfigurationProvider;
    private applySettings: () => Promise<unknown> = async () => undefined;

    constructor(services: LangiumSharedCoreServices) {
        super(services);
        this.configuration = services.workspace.ConfigurationProvider;
    }

    /** What to run once the client's configuration is known, before the first build. */
    beforeFirstBuild(apply: () => Promise<unknown>): void {
        this.applySettings = apply;
    }

    override async initializeWorkspace(folders: WorkspaceFolder[], cancelToken?: Cancellation.CancellationToken): Promise<void> {
        await this.configuration.ready;
        try {
            await this.applySettings();
        } catch (e) {
            console.error('Probekit: applying settings failed:', e);
        }
        return super.initializeWorkspace(folders, cancelToken);
    }
}
