/**
 * Fakes for failure modes only: an "R" that crashes at start, and kernels
 * that misbehave at the handshake. They run in real R (or a shell) and talk
 * to the real server.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A fake R executable: a shell script with the given body. */
export function makeFakeR(body: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-fake-r-'));
    const file = path.join(dir, 'R');
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
}

/**
 * A kernel folder whose bootstrap.R opens the kernel channel like the real
 * kernel and then runs `body` (with `output`, the channel to the server,
 * `secret`, and `send_hello(json)` in scope).
 */
export function makeFakeKernel(body: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-fake-kernel-'));
    fs.writeFileSync(
        path.join(dir, 'bootstrap.R'),
        `local({
  input <- file(Sys.getenv("RBRIDGE_TO_KERNEL"), open = "rb", raw = TRUE)
  output <- file(Sys.getenv("RBRIDGE_FROM_KERNEL"), open = "wb", raw = TRUE)
  secret <- Sys.getenv("RBRIDGE_SECRET")
  send_hello <- function(json) {
    writeBin(charToRaw(paste0(secret, "\\n")), output)
    head <- charToRaw("hello 0")
    body <- charToRaw(json)
    writeBin(c(charToRaw(sprintf("%011d\\n", length(head) + 1L + length(body))), head, as.raw(10L), body), output)
    flush(output)
    Sys.sleep(30)
  }
  ${body}
})
quit(save = "no")
`,
    );
    return dir;
}
