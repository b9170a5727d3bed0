/**
 * The order in which variables are listed, shared by the server (its cache
 * of the global environment) and the clients (their trees): case-insensitive
 * first, then case-sensitive, so that `a`, `A`, `b` keep a stable order.
 */
export function compareNames(a: string, b: string): number {
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
