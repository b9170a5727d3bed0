import * as assert from 'assert';
import type { JobInfo } from '../../common/protocol';
import {
    endLine,
    frameLabel,
    frameLocation,
    jobDescription,
    jobTooltipLines,
    looksLikeMissingGlobal,
    progressText,
    resultNameProblem,
    suggestedResultName,
} from '../../client/src/jobs/jobText';

function job(fields: Partial<JobInfo>): JobInfo {
    return { jobId: 'j1', name: 'job.R', state: 'queued', elapsedMs: 0, ...fields };
}

describe('What the Jobs view says about a job', () => {
    it('describes each state: time, progress and worker while it runs; the result or the error once ended', () => {
        assert.strictEqual(jobDescription(job({}), 0), 'queued');
        assert.strictEqual(
            jobDescription(job({ state: 'running', worker: 'node1 (pid 12)', progress: { amount: 2, total: 5, message: 'step 2' } }), 12_400),
            '12 s · 40% step 2 · node1 (pid 12)',
        );
        assert.strictEqual(jobDescription(job({ state: 'running' }), 1500), '1 s');
        assert.strictEqual(
            jobDescription(job({ state: 'done', resultClass: ['data.frame'], resultBytes: 1300, assignedTo: 'boot' }), 2140),
            'done in 2.1 s · data.frame, 1.3 KB → boot',
        );
        assert.strictEqual(jobDescription(job({ state: 'done', resultClass: ['NULL'], resultBytes: 0 }), 65_000), 'done in 1 min 05 s · NULL, 0 B');
        assert.strictEqual(
            jobDescription(job({ state: 'error', error: { message: 'no good: 42\nmore', call: 'g(x)' } }), 300),
            'failed after 0.3 s · Error in g(x): no good: 42',
        );
        assert.strictEqual(jobDescription(job({ state: 'cancelled' }), 4000), 'cancelled after 4.0 s');
    });

    it('shows progress as a percentage and message, and without a total only the message', () => {
        assert.strictEqual(progressText({ amount: 1, total: 3 }), '33%');
        assert.strictEqual(progressText({ amount: 7, total: 3 }), '100%', 'never beyond 100%');
        assert.strictEqual(progressText({ amount: 1, message: 'reading' }), 'reading');
        assert.strictEqual(progressText({ amount: 0, total: 0 }), undefined);
        assert.strictEqual(progressText(undefined), undefined);
    });

    it('says in the tooltip where the job runs, its result and what Copy Result does', () => {
        const lines = jobTooltipLines(job({ state: 'done', file: '/w/job.R', worker: 'h (pid 1)', resultClass: ['numeric'], resultBytes: 56 }), 1000);
        assert.deepStrictEqual(lines, [
            'job.R — done',
            'file: /w/job.R',
            'ran for 1.0 s',
            'worker: h (pid 1)',
            'result: numeric, 56 B',
            'Copy Result puts it in the global environment.',
            'id: j1',
        ]);
    });

    it('offers a syntactic name for the result: the assigned name, the assignment the code starts with, or the job name made syntactic', () => {
        assert.strictEqual(suggestedResultName({ name: 'job.R' }), 'job');
        assert.strictEqual(suggestedResultName({ name: 'fit models.R' }), 'fit_models');
        assert.strictEqual(suggestedResultName({ name: 'fit <- lm(mpg ~ wt, mtcars)' }), 'fit');
        assert.strictEqual(suggestedResultName({ name: 'x = 1' }), 'x');
        assert.strictEqual(suggestedResultName({ name: 'Sys.sleep(3); "a"' }), 'Sys.sleep_3_a');
        assert.strictEqual(suggestedResultName({ name: '2024-report.R' }), 'job_2024_report');
        assert.strictEqual(suggestedResultName({ name: 'if' }), 'job_result', 'a reserved word is no name');
        assert.strictEqual(suggestedResultName({ name: '日本.R' }), 'job_result');
        assert.strictEqual(suggestedResultName({ name: 'job.R', assignedTo: 'boot' }), 'boot');
        for (const name of ['job', 'fit_models', 'fit', 'Sys.sleep_3_a', 'job_2024_report', 'job_result']) assert.strictEqual(resultNameProblem(name), undefined, name);
    });

    it('refuses names R cannot assign to without backticks', () => {
        assert.match(resultNameProblem('') ?? '', /needed/);
        assert.match(resultNameProblem('2x') ?? '', /not a syntactic R name/);
        assert.match(resultNameProblem('my var') ?? '', /not a syntactic R name/);
        assert.match(resultNameProblem('TRUE') ?? '', /not a syntactic R name/);
    });

    it("finds a traceback frame's code: a document's URI, a file's path, or nowhere", () => {
        assert.deepStrictEqual(frameLocation('file:///w/analysis.R'), { uri: 'file:///w/analysis.R' });
        assert.deepStrictEqual(frameLocation('untitled:Untitled-1'), { uri: 'untitled:Untitled-1' });
        assert.deepStrictEqual(frameLocation('/w/job.R'), { path: '/w/job.R' });
        assert.deepStrictEqual(frameLocation('C:\\w\\job.R'), { path: 'C:\\w\\job.R' });
        assert.strictEqual(frameLocation('<job>'), undefined);
        assert.strictEqual(frameLocation('job.R'), undefined, 'a relative name says nothing of where');
        assert.strictEqual(frameLocation(undefined), undefined);
        assert.strictEqual(frameLabel('file:///w/my%20file.R', 12), 'my file.R:12');
        assert.strictEqual(frameLabel('/w/job.R', 4), 'job.R:4');
        assert.strictEqual(frameLabel('/w/job.R', undefined), undefined);
    });

    it("ends a job's output with how it ended, a failure with its traceback", () => {
        const failed = job({
            state: 'error',
            error: { message: 'no good: 42', traceback: [{ call: 'f(y)', file: '/w/job.R', line: 4 }, { call: 'stop("no good")' }] },
        });
        assert.strictEqual(endLine(failed, 250), '[failed after 0.3 s]\nError: no good: 42\n  f(y)  (job.R:4)\n  stop("no good")');
        assert.strictEqual(endLine(job({ state: 'done', resultClass: ['integer'], resultBytes: 96, assignedTo: 'n' }), 1000), '[done in 1.0 s: integer, 96 B, assigned to n]');
        assert.strictEqual(endLine(job({ state: 'running' }), 1000), '');
    });

    it('tells an error that a clean R lacked a variable or function from other errors', () => {
        assert.ok(looksLikeMissingGlobal({ message: "object 'secret_value' not found" }));
        assert.ok(looksLikeMissingGlobal({ message: 'could not find function "helper"' }));
        assert.ok(!looksLikeMissingGlobal({ message: 'no good' }));
        assert.ok(!looksLikeMissingGlobal(undefined));
    });
});
