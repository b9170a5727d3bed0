/**
 * The end-to-end harness's logs: one file per run under .test-output/logs/,
 * with a time stamp relative to the start on every line (code-server's
 * output, the page console, probe events, harness steps); selected lines
 * are echoed to stdout as well.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../support/paths';

/** Where the end-to-end runs leave what they produce (logs, screenshots); ignored by git. */
export const OUTPUT_DIR = path.join(ROOT, '.test-output');
export const LOG_DIR = path.join(OUTPUT_DIR, 'logs');

/**
 * A log file under .test-output/logs/, with a time stamp relative to the
 * start on every line; selected lines are echoed to stdout as well.
 */
export class Log {
    private readonly fd: number;
    private readonly start = Date.now();

    constructor(
        readonly file: string,
        private readonly echo: (line: string) => boolean = () => false,
    ) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        this.fd = fs.openSync(file, 'w');
    }

    static named(name: string, echo?: (line: string) => boolean): Log {
        return new Log(path.join(LOG_DIR, `${name}.log`), echo);
    }

    write(source: string, text: string, forceEcho = false): void {
        const stamp = ((Date.now() - this.start) / 1000).toFixed(3).padStart(8);
        for (const line of text.replace(/\s+$/, '').split('\n')) {
            try {
                fs.writeSync(this.fd, `${stamp} [${source}] ${line}\n`);
            } catch {
                // Closed already (a late console message after the end); the line is not needed.
            }
            if (forceEcho || this.echo(line)) process.stdout.write(`${line}\n`);
        }
    }

    info(text: string): void {
        this.write('harness', text, true);
    }

    close(): void {
        try {
            fs.closeSync(this.fd);
        } catch {
            // Closed twice; nothing to do.
        }
    }
}
