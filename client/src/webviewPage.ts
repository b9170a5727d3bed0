/**
 * The HTML page of every webview of the extension (the Plots view, a zoomed
 * plot, a data view, the Help panel): a strict Content-Security-Policy (no inline code or
 * style; scripts only with this page's nonce; pictures only as `data:` URIs
 * or from the extension's media/ folder), the style sheet all pages share
 * (media/webview.css), the page's own script and style sheet from its
 * folder under media/, and the codicons font for the icons.
 */
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';

/** The only folder a webview may load files from. */
export function mediaRoot(extensionUri: vscode.Uri): vscode.Uri {
    return vscode.Uri.joinPath(extensionUri, 'media');
}

/**
 * The options every panel is created with. A hidden panel is rebuilt when
 * shown again unless it asks to be kept (`retainContext`): the extension
 * keeps what it shows, and the page its own view state (getState/setState).
 */
export function panelOptions(extensionUri: vscode.Uri, retainContext = false): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
        enableScripts: true,
        localResourceRoots: [mediaRoot(extensionUri)],
        retainContextWhenHidden: retainContext,
    };
}

/**
 * A panel of the extension, shown: the options above (and `options`), the
 * extension's icon on its tab, and its page, which `html` builds for the
 * panel's webview.
 */
export function createPanel(
    extensionUri: vscode.Uri,
    viewType: string,
    title: string,
    showOptions: { readonly viewColumn: vscode.ViewColumn; readonly preserveFocus?: boolean },
    html: (webview: vscode.Webview) => string,
    options: vscode.WebviewPanelOptions = {},
): vscode.WebviewPanel {
    const panel = vscode.window.createWebviewPanel(viewType, title, showOptions, { ...panelOptions(extensionUri), ...options });
    panel.iconPath = vscode.Uri.joinPath(mediaRoot(extensionUri), 'rbridge.svg');
    panel.webview.html = html(panel.webview);
    return panel;
}

export interface PageParts {
    title: string;
    /** The page's folder under media/ (its script is bundled there from client/webview/<folder>/). */
    folder: string;
    /** The page's own style sheet in that folder. */
    stylesheet: string;
    /** The script's file in that folder. */
    script: string;
    /** The page's markup, inside <body>; no inline script or style. */
    body: string;
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, parts: PageParts): string {
    const nonce = randomBytes(16).toString('base64');
    const media = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot(extensionUri), ...path)).toString();
    const csp = [
        "default-src 'none'",
        `img-src ${webview.cspSource} data:`,
        `style-src ${webview.cspSource}`,
        `font-src ${webview.cspSource}`,
        `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('codicons', 'codicon.css')}">
<link rel="stylesheet" href="${media('webview.css')}">
<link rel="stylesheet" href="${media(parts.folder, parts.stylesheet)}">
<title>${escapeHtml(parts.title)}</title>
</head>
<body>
${parts.body}
<script nonce="${nonce}" src="${media(parts.folder, parts.script)}"></script>
</body>
</html>`;
}

export function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
