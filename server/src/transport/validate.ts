/**
 * Checks of the params of every client request. A wrong param is answered
 * with InvalidParams and a message that names it; nothing else happens.
 */
import * as path from 'path';
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type {
    ConsoleParams,
    DataFilter,
    DataFilterOp,
    DataSortKey,
    DataViewFilterParams,
    DataViewOpenVariableParams,
    DataViewParams,
    DataViewRowsParams,
    DataViewSortParams,
    DataViewSummaryParams,
    EvaluateParams,
    SetBreakpointsParams,
    HelpParams,
    ExecuteParams,
    InitializationOptions,
    InterruptParams,
    JobClearParams,
    JobIdParams,
    JobResultParams,
    JobsOptions,
    JobStartParams,
    PlotFormat,
    PlotSettingsParams,
    Range,
    RemovePlotParams,
    RenderPlotParams,
    VariablesParams,
} from '../../../common/protocol';

class Checker {
    constructor(private readonly method: string, private readonly value: unknown) {}

    object(): Record<string, unknown> {
        if (this.value === undefined || this.value === null) return {};
        if (typeof this.value !== 'object' || Array.isArray(this.value)) this.fail('params must be an object');
        return this.value as Record<string, unknown>;
    }

    fail(message: string): never {
        throw new ResponseError(ErrorCodes.InvalidParams, `${this.method}: ${message}`);
    }

    optional<T>(obj: Record<string, unknown>, key: string, type: 'string' | 'boolean' | 'number'): T | undefined {
        const v = obj[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) this.fail(`'${key}' must be a ${type}`);
        return v as T;
    }

    stringArray(obj: Record<string, unknown>, key: string): string[] | undefined {
        const v = obj[key];
        if (v === undefined || v === null) return undefined;
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(`'${key}' must be an array of strings`);
        return v as string[];
    }

    range(obj: Record<string, unknown>, key: string): Range | undefined {
        const v = obj[key] as Range | undefined;
        if (v === undefined || v === null) return undefined;
        const natural = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
        const position = (p: unknown) =>
            typeof p === 'object' && p !== null && natural((p as { line: unknown }).line) && natural((p as { character: unknown }).character);
        if (typeof v !== 'object' || !position(v.start) || !position(v.end)) {
            this.fail(`'${key}' must be a range { start: { line, character }, end: { line, character } } of non-negative integers`);
        }
        return v;
    }
}

export function validateExecute(params: unknown): ExecuteParams {
    const c = new Checker('r/execute', params);
    const o = c.object();
    if (typeof o.code !== 'string') c.fail("'code' is required and must be a string");
    const executionId = o.executionId;
    if (executionId !== undefined && executionId !== null && typeof executionId !== 'string' && typeof executionId !== 'number') {
        c.fail("'executionId' must be a string");
    }
    return {
        code: o.code as string,
        executionId: executionId === undefined || executionId === null ? undefined : String(executionId),
        uri: c.optional<string>(o, 'uri', 'string'),
        range: c.range(o, 'range'),
        stopOnError: c.optional<boolean>(o, 'stopOnError', 'boolean'),
        echo: c.optional<boolean>(o, 'echo', 'boolean'),
    };
}

export function validateInterrupt(params: unknown): InterruptParams {
    const c = new Checker('r/interrupt', params);
    return { keepQueue: c.optional<boolean>(c.object(), 'keepQueue', 'boolean') };
}

export function validateVariables(params: unknown): VariablesParams {
    const c = new Checker('r/variables', params);
    const o = c.object();
    const path = c.stringArray(o, 'path');
    const start = c.optional<number>(o, 'start', 'number');
    const count = c.optional<number>(o, 'count', 'number');
    if (start !== undefined && (start < 0 || !Number.isInteger(start))) c.fail("'start' must be a non-negative integer");
    if (count !== undefined && (count < 0 || !Number.isInteger(count))) c.fail("'count' must be a non-negative integer");
    const frame = c.optional<number>(o, 'frame', 'number');
    if (frame !== undefined && (frame < 0 || !Number.isInteger(frame))) c.fail("'frame' must be a non-negative integer");
    const result: VariablesParams = { path: path?.length ? path : undefined, start, count, refresh: c.optional<boolean>(o, 'refresh', 'boolean') };
    if (frame !== undefined) result.frame = frame;
    return result;
}

export function validateEvaluate(params: unknown): EvaluateParams {
    const c = new Checker('r/evaluate', params);
    const o = c.object();
    const expression = c.optional<string>(o, 'expression', 'string') ?? c.fail("'expression' is required");
    const frame = c.optional<number>(o, 'frame', 'number');
    if (frame !== undefined && (frame < 0 || !Number.isInteger(frame))) c.fail("'frame' must be a non-negative integer");
    const context = c.optional<string>(o, 'context', 'string');
    if (context !== undefined && !['hover', 'repl', 'watch'].includes(context)) c.fail("'context' must be 'hover', 'repl' or 'watch'");
    return { expression, frame, context: context as EvaluateParams['context'] };
}

export function validateSetBreakpoints(params: unknown): SetBreakpointsParams {
    const c = new Checker('r/setBreakpoints', params);
    const o = c.object();
    const uri = c.optional<string>(o, 'uri', 'string') || c.fail("'uri' is required");
    if (!Array.isArray(o.breakpoints)) c.fail("'breakpoints' must be an array");
    const breakpoints = (o.breakpoints as unknown[]).map((b, i) => {
        if (!b || typeof b !== 'object') c.fail(`'breakpoints[${i}]' must be an object`);
        const { line, condition } = b as Record<string, unknown>;
        if (typeof line !== 'number' || !Number.isInteger(line) || line < 0) c.fail(`'breakpoints[${i}].line' must be a non-negative integer`);
        if (condition !== undefined && condition !== null && typeof condition !== 'string') c.fail(`'breakpoints[${i}].condition' must be a string`);
        return condition ? { line: line as number, condition: condition as string } : { line: line as number };
    });
    return { uri, breakpoints, text: c.optional<string>(o, 'text', 'string') };
}

export function validateInitOptions(options: unknown): InitializationOptions {
    const c = new Checker('initialize', options);
    const o = c.object();
    const env = o.env;
    if (env !== undefined && env !== null && (typeof env !== 'object' || Array.isArray(env) || Object.values(env).some((v) => typeof v !== 'string'))) {
        c.fail("'initializationOptions.env' must be an object of strings");
    }
    return {
        rPath: c.optional<string>(o, 'rPath', 'string'),
        rArgs: c.stringArray(o, 'rArgs'),
        cwd: c.optional<string>(o, 'cwd', 'string'),
        env: (env as Record<string, string> | undefined) ?? undefined,
        autoRestart: c.optional<boolean>(o, 'autoRestart', 'boolean'),
        workspaceTrusted: c.optional<boolean>(o, 'workspaceTrusted', 'boolean'),
        helpViewer: c.optional<boolean>(o, 'helpViewer', 'boolean'),
        jobs: jobsOptions(c, o.jobs),
    };
}

function jobsOptions(c: Checker, jobs: unknown): JobsOptions | undefined {
    if (jobs === undefined || jobs === null) return undefined;
    if (typeof jobs !== 'object' || Array.isArray(jobs)) c.fail("'initializationOptions.jobs' must be an object");
    const o = jobs as Record<string, unknown>;
    const workers = c.optional<number>(o, 'workers', 'number');
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 1024)) c.fail("'jobs.workers' must be an integer from 1 to 1024");
    const maxResultBytes = c.optional<number>(o, 'maxResultBytes', 'number');
    if (maxResultBytes !== undefined && !(maxResultBytes >= 0)) c.fail("'jobs.maxResultBytes' must be a number of bytes");
    const plan = c.optional<string>(o, 'plan', 'string');
    return { workers, plan: plan?.trim() || undefined, maxResultBytes };
}

export function validateJobStart(params: unknown): JobStartParams {
    const c = new Checker('r/job/start', params);
    const o = c.object();
    const code = c.optional<string>(o, 'code', 'string');
    const file = c.optional<string>(o, 'file', 'string');
    if ((code === undefined) === (file === undefined)) c.fail("one of 'code' and 'file' is required");
    if (file !== undefined && !path.isAbsolute(file)) c.fail("'file' must be an absolute path");
    if (code !== undefined && code.includes('\0')) c.fail("'code' contains a NUL character");
    const resultName = c.optional<string>(o, 'resultName', 'string');
    return {
        code,
        file,
        uri: c.optional<string>(o, 'uri', 'string'),
        range: c.range(o, 'range'),
        name: c.optional<string>(o, 'name', 'string'),
        resultName: resultName || undefined,
        copyGlobals: c.optional<boolean>(o, 'copyGlobals', 'boolean'),
    };
}

export function validateJobId(method: string, params: unknown): JobIdParams {
    const c = new Checker(method, params);
    const o = c.object();
    const jobId = c.optional<string>(o, 'jobId', 'string');
    if (jobId === undefined) c.fail("'jobId' is required and must be a string");
    return { jobId: jobId! };
}

export function validateJobResult(params: unknown): JobResultParams {
    const { jobId } = validateJobId('r/job/result', params);
    const c = new Checker('r/job/result', params);
    const assignTo = c.optional<string>(c.object(), 'assignTo', 'string');
    return assignTo ? { jobId, assignTo } : { jobId };
}

export function validateJobClear(params: unknown): JobClearParams {
    const c = new Checker('r/job/clear', params);
    const jobId = c.optional<string>(c.object(), 'jobId', 'string');
    return jobId !== undefined ? { jobId } : {};
}

export function validateConsole(params: unknown): ConsoleParams {
    const c = new Checker('r/console', params);
    const o = c.object();
    const width = c.optional<number>(o, 'width', 'number');
    const colors = c.optional<number>(o, 'colors', 'number');
    if (width !== undefined && (!Number.isInteger(width) || width < 10 || width > 10000)) c.fail("'width' must be an integer from 10 to 10000");
    if (colors !== undefined && (!Number.isInteger(colors) || colors < 1)) c.fail("'colors' must be a positive integer");
    const result: ConsoleParams = {};
    if (width !== undefined) result.width = width;
    if (colors !== undefined) result.colors = colors;
    return result;
}

/** Plot sizes are CSS pixels; a picture bigger than this is refused before R draws it. */
const MAX_PLOT_PIXELS = 20000;

function plotSize(c: Checker, o: Record<string, unknown>, required: boolean): { width: number; height: number; pixelRatio?: number } {
    const size = (key: string) => {
        const v = c.optional<number>(o, key, 'number');
        if (v === undefined) {
            if (required) c.fail(`'${key}' is required and must be a number`);
            return undefined;
        }
        if (v < 1 || v > MAX_PLOT_PIXELS) c.fail(`'${key}' must be from 1 to ${MAX_PLOT_PIXELS} pixels`);
        return Math.round(v);
    };
    const width = size('width');
    const height = size('height');
    const pixelRatio = c.optional<number>(o, 'pixelRatio', 'number');
    if (pixelRatio !== undefined && (pixelRatio <= 0 || pixelRatio > 8)) c.fail("'pixelRatio' must be above 0 and at most 8");
    return { width: width!, height: height!, ...(pixelRatio !== undefined ? { pixelRatio } : {}) };
}

function background(c: Checker, o: Record<string, unknown>): { background?: string } {
    const value = c.optional<string>(o, 'background', 'string');
    if (value === undefined) return {};
    // R's colour names and #RRGGBB[AA]; R itself says whether it knows the name.
    if (!/^(#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?|[A-Za-z][A-Za-z0-9 ]{0,39})$/.test(value)) c.fail("'background' must be an R colour name or #RRGGBB");
    return { background: value };
}

function plotId(c: Checker, o: Record<string, unknown>): string {
    const id = o.plotId;
    if (typeof id === 'number' && Number.isFinite(id)) return String(id);
    if (typeof id !== 'string' || !id) c.fail("'plotId' is required and must be a string");
    return id;
}

export function validatePlotSettings(params: unknown): PlotSettingsParams {
    const c = new Checker('r/plotSettings', params);
    const o = c.object();
    return { ...plotSize(c, o, true), ...background(c, o) };
}

const PLOT_FORMATS: readonly PlotFormat[] = ['png', 'svg', 'pdf'];

export function validateRenderPlot(params: unknown): RenderPlotParams {
    const c = new Checker('r/renderPlot', params);
    const o = c.object();
    const format = o.format ?? 'png';
    if (typeof format !== 'string' || !PLOT_FORMATS.includes(format as PlotFormat)) c.fail("'format' must be 'png', 'svg' or 'pdf'");
    return { plotId: plotId(c, o), ...plotSize(c, o, true), format: format as PlotFormat, ...background(c, o) };
}

export function validateRemovePlot(params: unknown): RemovePlotParams {
    const c = new Checker('r/removePlot', params);
    return { plotId: plotId(c, c.object()) };
}

// The data viewer

function viewId(c: Checker, o: Record<string, unknown>): string {
    const id = o.viewId;
    if (typeof id === 'number' && Number.isFinite(id)) return String(id);
    if (typeof id !== 'string' || !id) c.fail("'viewId' is required and must be a string");
    return id;
}

function naturalOf(c: Checker, o: Record<string, unknown>, key: string, required: boolean): number | undefined {
    const v = c.optional<number>(o, key, 'number');
    if (v === undefined) {
        if (required) c.fail(`'${key}' is required and must be a non-negative integer`);
        return undefined;
    }
    if (!Number.isInteger(v) || v < 0) c.fail(`'${key}' must be a non-negative integer`);
    return v;
}

export function validateDataView(method: string, params: unknown): DataViewParams {
    const c = new Checker(method, params);
    return { viewId: viewId(c, c.object()) };
}

export function validateDataViewOpenVariable(params: unknown): DataViewOpenVariableParams {
    const c = new Checker('r/dataView/openVariable', params);
    const o = c.object();
    const path = c.stringArray(o, 'path');
    if (!path?.length) c.fail("'path' is required: the variable's path, as r/variables gives it");
    const title = c.optional<string>(o, 'title', 'string');
    return { path: path!, ...(title !== undefined ? { title } : {}) };
}

export function validateDataViewRows(params: unknown): DataViewRowsParams {
    const c = new Checker('r/dataView/rows', params);
    const o = c.object();
    const columns = o.columns;
    if (columns !== undefined && columns !== null && (!Array.isArray(columns) || columns.some((x) => !Number.isInteger(x) || (x as number) < 0))) {
        c.fail("'columns' must be an array of non-negative integers");
    }
    return {
        viewId: viewId(c, o),
        start: naturalOf(c, o, 'start', true)!,
        count: naturalOf(c, o, 'count', true)!,
        ...(Array.isArray(columns) ? { columns: columns as number[] } : {}),
    };
}

export function validateDataViewSort(params: unknown): DataViewSortParams {
    const c = new Checker('r/dataView/sort', params);
    const o = c.object();
    const keys: unknown = o.keys ?? [];
    if (!Array.isArray(keys)) c.fail("'keys' must be an array of { column, descending? }");
    return {
        viewId: viewId(c, o),
        keys: (keys as unknown[]).map((k: unknown): DataSortKey => {
            const key = typeof k === 'object' && k !== null ? (k as Record<string, unknown>) : c.fail("'keys' must be an array of { column, descending? }");
            const column = naturalOf(c, key, 'column', true)!;
            const descending = c.optional<boolean>(key, 'descending', 'boolean');
            return descending ? { column, descending } : { column };
        }),
    };
}

const FILTER_OPS: readonly DataFilterOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'between', 'isNA', 'notNA', 'contains', 'startsWith', 'endsWith', 'regex', 'in'];

export function validateDataViewFilter(params: unknown): DataViewFilterParams {
    const c = new Checker('r/dataView/filter', params);
    const o = c.object();
    const filters: unknown = o.filters ?? [];
    if (!Array.isArray(filters)) c.fail("'filters' must be an array");
    return {
        viewId: viewId(c, o),
        filters: (filters as unknown[]).map((f: unknown): DataFilter => {
            const filter = typeof f === 'object' && f !== null ? (f as Record<string, unknown>) : c.fail("each filter must be an object { column, op, value? }");
            const column = naturalOf(c, filter, 'column', true)!;
            const op = filter.op;
            if (typeof op !== 'string' || !FILTER_OPS.includes(op as DataFilterOp)) c.fail(`a filter's 'op' must be one of ${FILTER_OPS.join(', ')}`);
            const scalar = (key: string): string | number | boolean | undefined => {
                const v = filter[key];
                if (v === undefined || v === null) return undefined;
                if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') c.fail(`a filter's '${key}' must be a string, a number or a boolean`);
                return v as string | number | boolean;
            };
            const value = scalar('value');
            const value2 = scalar('value2');
            const values = c.stringArray(filter, 'values');
            const ignoreCase = c.optional<boolean>(filter, 'ignoreCase', 'boolean');
            const needs = !['isNA', 'notNA', 'in'].includes(op as string);
            if (needs && value === undefined) c.fail(`the '${op}' filter needs a 'value'`);
            if (op === 'between' && value2 === undefined) c.fail("the 'between' filter needs 'value2'");
            if (op === 'in' && !values) c.fail("the 'in' filter needs 'values'");
            return {
                column,
                op: op as DataFilterOp,
                ...(value !== undefined ? { value } : {}),
                ...(value2 !== undefined ? { value2: value2 as string | number } : {}),
                ...(values ? { values } : {}),
                ...(ignoreCase !== undefined ? { ignoreCase } : {}),
            };
        }),
    };
}

export function validateDataViewSummary(params: unknown): DataViewSummaryParams {
    const c = new Checker('r/dataView/summary', params);
    const o = c.object();
    return { viewId: viewId(c, o), column: naturalOf(c, o, 'column', true)! };
}

export function validateHelp(params: unknown): HelpParams {
    const c = new Checker('r/help', params);
    const o = c.object();
    const topic = c.optional<string>(o, 'topic', 'string');
    const pkg = c.optional<string>(o, 'package', 'string');
    const query = c.optional<string>(o, 'query', 'string');
    if (!topic && !pkg && !query) c.fail("give a 'topic', a 'package' or a 'query'");
    if (pkg !== undefined && !/^[A-Za-z][A-Za-z0-9.]*$/.test(pkg)) c.fail("'package' must be a package name");
    return { ...(topic ? { topic } : {}), ...(pkg ? { package: pkg } : {}), ...(query ? { query } : {}) };
}
