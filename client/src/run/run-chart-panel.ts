import * as vscode from 'vscode';
import type { ChartModel } from '../../../server/src/run/run-charts.js';

/** Bytes of recent output sent to the panel for its text view. */
const TEXT_BYTES = 200 * 1024;

/**
 * A webview with bar charts and tables of a run's maps and histograms, refreshed as output arrives, with a toggle to
 * the plain text. Rendering happens in `client/media/run-charts.js`; this side only posts the model.
 */
export class RunChartPanel implements vscode.Disposable {
    private readonly panel: vscode.WebviewPanel;
    private disposed = false;
    private lastModel: ChartModel = { maps: [] };

    constructor(extensionUri: vscode.Uri, title: string, private readonly tail: () => string, onClose: () => void) {
        const media = vscode.Uri.joinPath(extensionUri, 'client', 'media');
        this.panel = vscode.window.createWebviewPanel('probekit.runCharts', `Charts: ${title}`,
            { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
            { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true });
        const webview = this.panel.webview;
        const nonce = Math.random().toString(36).slice(2) + Date.now().toString(36);
        const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'run-charts.js'));
        const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'run-charts.css'));
        webview.html = `<!DOCTYPE html><html><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<link rel="stylesheet" href="${style}"><title>Charts</title></head>
<body><header><span id="status"></span><button id="toggle">Show text</button></header>
<main id="charts"></main><pre id="text" hidden></pre>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
        this.panel.onDidDispose(() => {
            this.disposed = true;
            onClose();
        });
        webview.onDidReceiveMessage((m: { type?: string }) => {
            if (m?.type === 'ready') this.post();
        });
    }

    update(model: ChartModel): void {
        this.lastModel = model;
        this.post();
    }

    status(text: string): void {
        if (!this.disposed) void this.panel.webview.postMessage({ type: 'status', text });
    }

    reveal(): void {
        this.panel.reveal(vscode.ViewColumn.Beside, true);
    }

    private post(): void {
        if (this.disposed) return;
        void this.panel.webview.postMessage({ type: 'model', model: this.lastModel, text: this.tail().slice(-TEXT_BYTES) });
    }

    dispose(): void {
        if (!this.disposed) this.panel.dispose();
    }
}
