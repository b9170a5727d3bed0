/**
 * kernel/wire.R: frames written by the kernel read back by the kernel, on
 * temporary files instead of the FIFOs the server makes; the grants record;
 * frames set aside while R waited for input (input.R).
 */
import * as assert from 'assert';
import { Frame, KernelCases, runKernelCases } from './kernelR';

describe('kernel tier: the frame writer and reader (kernel/wire.R)', function () {
    let r: KernelCases;
    before(async function () {
        this.timeout(60_000);
        r = await runKernelCases({
            loaded: String.raw`
                list(loaded = as.list(kernel_files), inFolder = as.list(setdiff(list.files(Sys.getenv("RBRIDGE_KERNEL_DIR"), pattern = "[.]R$"), "bootstrap.R")))`,
            roundTrip: String.raw`
                path <- channel_to_file()
                write_frame("done", 7L, c("ok", "3"), body = "{\"x\":1}")
                write_frame("ready", 0L)
                write_frame("symbols", 12L, body = "h\u00e9llo \u2713\nsecond line")
                write_frame("log", 0L, body = charToRaw("raw bytes"))
                close(k$state$output)
                k$state$output <- file(tempfile(), open = "wb", raw = TRUE)
                frames_in(path)`,
            header: String.raw`
                path <- channel_to_file()
                write_frame("done", 42L, c("error", "2"), body = "abc")
                close(k$state$output)
                bytes <- readBin(path, "raw", file.size(path))
                list(
                  header = rawToChar(bytes[1:12]),
                  restLength = length(bytes) - 12L,
                  rest = rawToChar(bytes[13:length(bytes)])
                )`,
            truncated: String.raw`
                path <- tempfile()
                # A header announcing 50 bytes, followed by only 10.
                writeBin(c(charToRaw(sprintf("%011d\n", 50L)), charToRaw("exec 1 0\n1+")), path)
                k$state$input <- file(path, open = "rb", raw = TRUE)
                on.exit(close(k$state$input))
                list(frame = read_frame(), again = read_frame())`,
            emptyBody: String.raw`
                list(text = body_text(raw(0)), utf8 = Encoding(body_text(charToRaw(enc2utf8("\u00e9")))))`,
            setAside: String.raw`
                path <- channel_to_file()
                write_frame("exec", 5L, "0", body = "x <- 1")
                close(k$state$output)
                k$state$input <- file(path, open = "rb", raw = TRUE)
                on.exit(close(k$state$input))
                k$state$frames <- list(list(kind = "exec", id = "4", fields = "0", body = charToRaw("y <- 2")))
                first <- next_frame()
                second <- next_frame()
                list(first = first$id, second = second$id, third = is.null(next_frame()))`,
            grants: String.raw`
                dir <- tempfile("grants-")
                dir.create(dir, mode = "0700")
                bell <- tempfile("bell-")
                system2("mkfifo", bell)
                # Opened for reading and writing: the test's own writer, so that no open waits.
                w <- fifo(bell, open = "w+b")
                open_grants(bell)
                on.exit(close(k$state$grants_bell))
                k$state$grants_dir <- dir
                file.create(file.path(dir, c("go-7", "no-8", "held-9")))
                warned <- character(0)
                tell <- function(w) warned <<- c(warned, conditionMessage(w))
                granted <- withCallingHandlers(claim(7L), warning = tell)
                refused <- withCallingHandlers(claim(8L), warning = tell)
                left <- sort(list.files(dir))
                # Held, and the server gone (no writer of the bell left): no claim.
                close(w)
                children <- system("ls -l /proc/self/fd", intern = TRUE)
                gone <- withCallingHandlers(claim(9L), warning = tell)
                list(granted = granted, refused = refused, left = as.list(left), gone = gone, held = file.exists(file.path(dir, "held-9")),
                  inherited = any(grepl(basename(bell), children, fixed = TRUE)), warned = warned)`,
        });
    });

    it('loads every kernel file as bootstrap.R does, and bootstrap.R names them all', () => {
        const { loaded, inFolder } = r.get<{ loaded: string[]; inFolder: string[] }>('loaded');
        assert.ok(loaded.includes('wire.R') && loaded[loaded.length - 1] === 'main.R', `loaded: ${loaded.join(', ')}`);
        assert.deepStrictEqual([...loaded].sort(), [...inFolder].sort());
    });

    it('reads back every frame written, with kind, id, fields and body (UTF-8 kept)', () => {
        const frames = r.get<Frame[]>('roundTrip');
        assert.deepStrictEqual(frames, [
            { kind: 'done', id: '7', fields: ['ok', '3'], body: '{"x":1}' },
            { kind: 'ready', id: '0', fields: [], body: '' },
            { kind: 'symbols', id: '12', fields: [], body: 'héllo ✓\nsecond line' },
            { kind: 'log', id: '0', fields: [], body: 'raw bytes' },
        ]);
    });

    it('writes an 11-digit length and a newline, then the header line and the body', () => {
        const { header, restLength, rest } = r.get<{ header: string; restLength: number; rest: string }>('header');
        assert.match(header, /^\d{11}\n$/);
        assert.strictEqual(Number(header.slice(0, 11)), restLength);
        assert.strictEqual(rest, 'done 42 error 2\nabc');
    });

    it('returns NULL for a frame cut short (the server went away), not a partial frame', () => {
        assert.deepStrictEqual(r.get('truncated'), { frame: null, again: null });
    });

    it('reads an empty body as "" and text as UTF-8', () => {
        assert.deepStrictEqual(r.get('emptyBody'), { text: '', utf8: 'UTF-8' });
    });

    it('hands out frames set aside while R waited for input before reading new ones', () => {
        assert.deepStrictEqual(r.get('setAside'), { first: '4', second: '5', third: true });
    });

    it('claims an execution by removing its go file, skips one whose grant was taken back, and gives up on a held one once the server is gone', () => {
        const g = r.get<{ granted: boolean; refused: boolean; left: string[]; gone: boolean; held: boolean; inherited: boolean; warned: string[] }>('grants');
        assert.strictEqual(g.granted, true);
        assert.strictEqual(g.refused, false);
        assert.deepStrictEqual(g.left, ['held-9'], 'the claim removed go-7, the skip removed no-8');
        assert.strictEqual(g.gone, false);
        assert.strictEqual(g.held, true);
        assert.strictEqual(g.inherited, false, 'a process R started inherited the grants FIFO');
        assert.deepStrictEqual(g.warned, [], 'a grant not there warned');
    });
});
