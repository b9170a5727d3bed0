/**
 * Statistics and number formatting for figures that tests and benchmarks
 * report: the stress suite's report lines, bench/results.md, bench/peers.md
 * and bench/vscode.md all compute them here, so that a p99 means the same
 * in each of them.
 */

/** A sorted copy (ascending). */
export function sorted(values: number[]): number[] {
    return [...values].sort((a, b) => a - b);
}

/** The median: the middle value, or the mean of the two middle values; NaN for no values. */
export function median(values: number[]): number {
    if (!values.length) return NaN;
    const s = sorted(values);
    const mid = s.length >> 1;
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The nearest-rank percentile, p in 0..100: the smallest sample such that
 * at least p% of the samples are at or below it, that is the sample of rank
 * ⌈p/100 · n⌉ (1-based, at least 1) in ascending order. No interpolation:
 * the result is always one of the samples. NaN for no values.
 *
 * For example with 100 samples the p99 is the 99th smallest (the
 * second-largest), and with 10 samples the p90 is the 9th smallest.
 */
export function percentile(values: number[], p: number): number {
    if (!values.length) return NaN;
    const s = sorted(values);
    const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
    return s[rank - 1];
}

export function mean(values: number[]): number {
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** A number with about three significant digits (`digits`), without exponent notation for ordinary magnitudes; 'n/a' for undefined, NaN or infinity. */
export function fmt(value: number | undefined, digits = 3): string {
    if (value === undefined || !Number.isFinite(value)) return 'n/a';
    if (value === 0) return '0';
    const magnitude = Math.floor(Math.log10(Math.abs(value)));
    const decimals = Math.max(0, digits - 1 - magnitude);
    return value.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
}

export function ms(value: number | undefined): string {
    return `${fmt(value)} ms`;
}

export function mb(bytes: number | undefined): string {
    return bytes === undefined ? 'n/a' : `${fmt(bytes / 1e6)} MB`;
}

/** `s` as a column `width` characters wide in plain text: padded, or cut with an ellipsis. */
export function cell(s: string, width: number): string {
    return s.length > width ? s.slice(0, width - 1) + '…' : s.padEnd(width);
}
