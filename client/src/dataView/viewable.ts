/**
 * Which values the data viewer can show as a table, decided from what the
 * variables view already knows of them (r/variables: type, class, dim), so
 * that the View Data action shows only where it works and explains itself
 * elsewhere. No `vscode` import: unit-tested.
 */
import type { Variable } from '../../../common/protocol';

const ATOMIC = new Set(['logical', 'integer', 'double', 'complex', 'character', 'raw']);

export type Viewability = { ok: true } | { ok: false; reason: string };

/** Whether the data viewer can show this value, and if not, why, in words for the user. */
export function viewability(v: Pick<Variable, 'name' | 'type' | 'class' | 'dim' | 'pending'>): Viewability {
    const name = v.name;
    if (v.pending && !v.type) return { ok: false, reason: `${name} is still being described; try again in a moment.` };
    const cls = v.class ?? [];
    if (cls.includes('data.frame')) return { ok: true };
    switch (v.type) {
        case 'closure':
        case 'builtin':
        case 'special':
            return { ok: false, reason: `${name} is a function, not data: print it, or View() what it returns.` };
        case 'environment':
            return { ok: false, reason: `${name} is an environment: expand it in the Variables view, or View() one of the tables it holds.` };
        case 'promise':
        case 'active':
            return { ok: false, reason: `${name} is not evaluated yet (a ${v.type === 'promise' ? 'promise' : 'active binding'}): use it once, then View it.` };
        case 'NULL':
            return { ok: false, reason: `${name} is NULL: there is nothing to show.` };
        case 'S4':
            return { ok: false, reason: `${name} is an S4 object: expand its slots in the Variables view, or View() one of them.` };
    }
    if (v.dim && v.dim.length > 2) {
        return { ok: false, reason: `${name} is an array of ${v.dim.length} dimensions: View() one slice of it, such as ${name}[, , 1].` };
    }
    if (ATOMIC.has(v.type)) return { ok: true };
    if (v.type === 'list' || v.type === 'pairlist') {
        if (v.dim?.length === 2) return { ok: true };
        return { ok: false, reason: `${name} is a list, not a table: expand it in the Variables view, or View() one of its elements.` };
    }
    return { ok: false, reason: `${name} (${cls[0] ?? v.type}) cannot be shown as a table.` };
}

export function isViewable(v: Pick<Variable, 'name' | 'type' | 'class' | 'dim' | 'pending'>): boolean {
    return viewability(v).ok;
}
