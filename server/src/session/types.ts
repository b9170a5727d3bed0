/**
 * What the session and its capabilities share: how they reach the client,
 * and the options the session is made with. Apart from session.ts so that
 * the capabilities (capabilities.ts) and the session import them from one
 * place, with no import between the two the other way.
 */
import type { CancellationToken } from 'vscode-jsonrpc';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type {
    BreakpointsChangedParams,
    ConditionParams,
    DataViewChangedParams,
    DataViewInfo,
    ExecutionStateParams,
    InputParams,
    InputResult,
    JobInfo,
    JobOutputParams,
    JobProgressParams,
    JobsOptions,
    KernelStatusParams,
    OutputParams,
    PlotParams,
    PlotsChangedParams,
    ShowHelpMatchesParams,
    ShowHelpParams,
    SymbolsChangedParams,
} from '../../../common/protocol';
import type { KernelFactory, KernelOptions } from '../kernel/process';
import type { PrestartedKernel } from '../kernel/prestart';

/** How the session reaches its client; hub.ts implements it for the clients attached. */
export interface SessionClient {
    output(params: OutputParams): Promise<void>;
    executionState(params: ExecutionStateParams): void;
    condition(params: ConditionParams): void;
    symbolsChanged(params: SymbolsChangedParams): void;
    kernelStatus(params: KernelStatusParams): void;
    plot(params: PlotParams): void;
    plotsChanged(params: PlotsChangedParams): void;
    dataViewOpen(params: DataViewInfo): void;
    dataViewChanged(params: DataViewChangedParams): void;
    showHelp(params: ShowHelpParams): void;
    showHelpMatches(params: ShowHelpMatchesParams): void;
    jobState(params: JobInfo): void;
    jobOutput(params: JobOutputParams): void;
    jobProgress(params: JobProgressParams): void;
    breakpointsChanged(params: BreakpointsChangedParams): void;
    input(params: InputParams, token: CancellationToken): Promise<InputResult>;
    log(message: string): void;
}

export interface SessionOptions extends Omit<KernelOptions, 'profile'> {
    autoRestart: boolean;
    workspaceTrusted: boolean;
    /** Makes the kernels; a real R process unless a test gives a fake. */
    createKernel?: KernelFactory;
    /** R started before the client's initialize, which the first start adopts when it was started as the session would start it. */
    prestarted?: PrestartedKernel;
    /** The client shows help pages itself (r/showHelp). */
    helpViewer?: boolean;
    /** The documents the client keeps in sync, for the language features. */
    document?: (uri: string) => TextDocument | undefined;
    /** Background jobs: workers, plan, result limit. */
    jobs?: JobsOptions;
}
