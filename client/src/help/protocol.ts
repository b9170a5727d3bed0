/**
 * The messages between the extension (client/src/help/helpPanel.ts) and
 * the Help panel's page (client/webview/help/help.ts), declared once and
 * imported by both sides.
 *
 * The extension keeps the history (back and forward) and asks R for pages
 * (r/help); the page renders what it is told to show, and says what the
 * user clicked or typed. A page rebuilt after its tab was hidden says
 * `ready` and gets the current entry again, with its scroll position.
 *
 * No `vscode` import: the page's bundle includes this file.
 */
import type { HelpMatch } from '../../../common/protocol';

export type { HelpMatch };

/** What the panel shows: one entry of its history. */
export type HelpView =
    /** A help page: R's Rd2HTML body (see HelpPage in common/protocol.ts). */
    | { kind: 'page'; topic: string; package: string; title: string; html: string }
    /** Pages to choose from: a topic found in several packages, or a search of the help pages' words. */
    | { kind: 'matches'; query: string; heading: string; matches: HelpMatch[] }
    /** Nothing to show but a sentence (no such topic), and maybe a word search to offer. */
    | { kind: 'message'; text: string; searchWords?: string };

/** Extension → page. */
export type ToHelp =
    | { type: 'show'; id: number; view: HelpView; canBack: boolean; canForward: boolean; scrollY: number }
    /** A lookup is on its way (text), or no longer (undefined). */
    | { type: 'busy'; text?: string }
    /** A lookup failed; the page keeps what it shows and says why. */
    | { type: 'error'; text: string }
    /** Put the keyboard focus in the search box, with this text selected. */
    | { type: 'focusSearch'; text?: string }
    /**
     * For tests (through the extension's API): click, as a person would, a
     * link to `topic` in the page, the `index`th Run example button, or the
     * `index`th match of a list.
     */
    | { type: 'click'; target: 'link'; topic: string }
    | { type: 'click'; target: 'example' | 'match'; index: number };

/** Page → extension. */
export type FromHelp =
    | { type: 'ready' }
    /**
     * A link to another help page (`rhelp:?topic=…&package=…`), or a match
     * chosen from a list; a package's link without a topic
     * (`rhelp:?package=…`) lists its topics.
     */
    | { type: 'open'; topic?: string; package?: string }
    | { type: 'back' }
    | { type: 'forward' }
    /** The search box: a topic (Enter), or words to search for in the pages (Shift+Enter, or its button). */
    | { type: 'search'; text: string; words: boolean }
    /** A Run example button: the code of its example block. */
    | { type: 'runExample'; code: string }
    /** A link out of R's help (http, https, mailto): opened by VS Code. */
    | { type: 'external'; url: string }
    /** The page scrolled (kept with the entry, for back and forward). */
    | { type: 'scrolled'; id: number; y: number }
    /** The entry `id` is on screen. */
    | { type: 'shown'; id: number; shown: HelpShown };

/** What the page put on screen, as it reports it: for the tests and the API. */
export interface HelpShown {
    kind: HelpView['kind'];
    /** The page's title (a page), the list's heading, or the message. */
    title: string;
    topic?: string;
    package?: string;
    /** The section headings of a page (Description, Usage, Arguments, …). */
    headings: string[];
    /** Links to other help pages. */
    links: number;
    /** Run example buttons. */
    examples: number;
    /** Rows of a list of matches. */
    matches: number;
}
