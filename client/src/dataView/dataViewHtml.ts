/**
 * The page of a data view (the shared page of webviewPage.ts with the
 * grid's markup); the page builds the grid itself
 * (client/webview/dataView/dataView.ts).
 */
import * as vscode from 'vscode';
import { escapeHtml, webviewHtml } from '../webviewPage';

export function dataViewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
    const label = escapeHtml(title);
    return webviewHtml(webview, extensionUri, {
        title,
        folder: 'dataView',
        stylesheet: 'dataView.css',
        script: 'dataView.js',
        body: `<header class="toolbar" id="toolbar">
  <span class="title" id="title">${label}</span>
  <span class="counts" id="counts" role="status" aria-live="polite"></span>
  <div class="chips" id="chips" aria-label="Filters"></div>
  <span class="spacer"></span>
  <span class="note" id="note" role="status" aria-live="polite" hidden></span>
  <button class="icon codicon codicon-filter-filled" id="clearFilters" title="Clear all filters" aria-label="Clear all filters" hidden></button>
  <button class="icon codicon codicon-clear-all" id="clearSort" title="Clear the sort (the object's own order)" aria-label="Clear the sort" hidden></button>
</header>
<div class="progress" id="progress" role="progressbar" aria-label="Working" hidden>
  <div class="bar"><div class="runner"></div></div>
  <span class="progress-text" id="progressText"></span>
  <button class="text-button" id="cancel">Cancel</button>
</div>
<div class="banner" id="banner" role="alert" hidden></div>
<main class="main">
  <div class="grid" id="grid">
    <div class="header" id="header" role="row"></div>
    <div class="scroller" id="scroller" tabindex="0" role="grid" aria-label="${label}" aria-multiselectable="true">
      <div class="inner" id="inner"><div class="layer" id="layer" role="rowgroup"></div></div>
    </div>
    <div class="no-rows" id="empty" hidden></div>
  </div>
  <aside class="summary" id="summary" aria-label="Column summary" hidden></aside>
</main>
<div class="popup" id="filterPopup" role="dialog" aria-modal="false" hidden></div>
<div class="sr-only" id="live" role="status" aria-live="polite"></div>`,
    });
}
