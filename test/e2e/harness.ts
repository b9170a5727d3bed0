/**
 * The end-to-end harness: a real VS Code (code-server 4.100.3, VS Code
 * 1.100.3's web workbench with its ordinary Node extension host) in headless
 * Debian Chromium driven by playwright-core, with R Bridge loaded either in
 * development mode from the repository or from a packaged VSIX.
 *
 * Everything it starts runs in a fresh temporary folder (user data,
 * extensions, the workspace copied from examples/, sockets and result files),
 * and every process it starts is stopped again: code-server in its own
 * process group together with everything below it (the extension host, the
 * language server, R), Chromium through Playwright. A process-exit hook kills
 * whatever is still registered if the caller dies first.
 *
 * The harness is split by job; this module re-exports all of it, so that
 * tests import from one place:
 *
 * - manifest.ts: the extension under test, its manifest, its test suite;
 * - codeServer.ts: locating, starting and stopping code-server, VSIX installs;
 * - chromium.ts: launching Chromium, reading the page console;
 * - probe.ts: the probe extension and its socket;
 * - session.ts: code-server + probe + browser + page for one run;
 * - workbench.ts: driving the workbench from the keyboard, screenshots, the
 *   mocha hooks of a browser suite;
 * - log.ts: the run's log file; processes.ts: process groups, the deadline.
 *
 * See test/e2e/README.md for how to run it and for what the extension's test
 * suite and API are expected to provide; ../shared/docs/vscode-e2e.md for
 * the facts about code-server it relies on.
 */
export { ROOT } from '../support/paths';
export { sleep } from '../support/time';
export * from './chromium';
export * from './codeServer';
export * from './log';
export * from './manifest';
export * from './probe';
export * from './processes';
export * from './session';
export * from './workbench';
