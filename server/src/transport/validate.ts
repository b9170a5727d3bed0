/**
 * Checks of the params of every client request. A wrong param is answered
 * with InvalidParams and a message that names it; nothing else happens.
 */
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { ConsoleParams, ExecuteParams, InitializationOptions, InterruptParams, Range, VariablesParams } from '../../../common/protocol';

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
    return { path: path?.length ? path : undefined, start, count, refresh: c.optional<boolean>(o, 'refresh', 'boolean') };
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
    };
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
