/**
 * R's help for a client's help viewer (kernel/help.R renders the pages):
 * the pages R code asks for (?topic, help(), ??words) as notifications,
 * and r/help for the viewer's links and searches. A client that shows help
 * itself says so (initializationOptions.helpViewer); without one, R prints
 * help as text, as in its console.
 */
import type { CancellationToken } from 'vscode-jsonrpc';
import type { HelpMatch, HelpPage, HelpParams, HelpResult, ShowHelpMatchesParams, ShowHelpParams } from '../../../common/protocol';
import type { FromKernel } from '../kernel/wire';
import type { RequestOptions } from './executions';

/** What help needs of the session: callbacks only, no import back. */
export interface HelpHost {
    request(method: string, params: unknown, token?: CancellationToken, options?: RequestOptions): Promise<unknown>;
    /** Throws RBusyError while R runs user code or has some waiting (and the error for no kernel). */
    requireIdle(): void;
    executionId(seq: number): string | null;
    showHelp(params: ShowHelpParams): void;
    showMatches(params: ShowHelpMatchesParams): void;
    log(message: string): void;
}

export class Help {
    constructor(
        private readonly host: HelpHost,
        private readonly viewer: boolean,
    ) {}

    /** A new kernel learns, before anything runs, whether help goes to the client. */
    kernelReady(): void {
        if (!this.viewer) return;
        this.host.request('help/viewer', { enabled: true }, undefined, { first: true }).catch((e: Error) => this.host.log(`help could not be set up: ${e.message}`));
    }

    /** The kernel's `help` frame (?topic in R code); false for other messages. */
    onMessage(message: FromKernel): boolean {
        if (message.kind !== 'help') return false;
        const executionId = this.host.executionId(message.id);
        const page = message.page as Partial<HelpPage> & { query?: string; matches?: HelpMatch[] };
        if (Array.isArray(page.matches)) this.host.showMatches({ executionId, query: page.query ?? '', matches: page.matches });
        else if (typeof page.html === 'string') this.host.showHelp({ executionId, topic: page.topic ?? '', package: page.package ?? '', title: page.title ?? '', html: page.html });
        return true;
    }

    async help(params: HelpParams, token?: CancellationToken): Promise<HelpResult> {
        this.host.requireIdle();
        return (await this.host.request('help/page', params, token)) as HelpResult;
    }
}
