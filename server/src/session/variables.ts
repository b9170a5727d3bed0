/**
 * The server's copy of the global environment's variables, kept from the
 * kernel's changed-symbol reports, so that the top level of r/variables is
 * answered at once, even while R is busy.
 */
import type { SymbolsChangedParams, Variable, VariablesResult } from '../../../common/protocol';
import { compareNames } from '../../../common/names';

export class VariablesCache {
    private readonly byName = new Map<string, Variable>();
    private sorted: Variable[] | undefined;

    /**
     * Applies a report from the kernel (`reset`: it lists the whole global
     * environment). Returns what clients are to be told, or undefined when
     * nothing changed.
     */
    apply(change: SymbolsChangedParams, reset: boolean): SymbolsChangedParams | undefined {
        if (reset) this.byName.clear();
        for (const name of change.removed) this.byName.delete(name);
        for (const v of change.added) this.byName.set(v.name, v);
        for (const v of change.changed) this.byName.set(v.name, v);
        this.sorted = undefined;
        if (reset) return { ...change, reset: true };
        return change.added.length || change.changed.length || change.removed.length ? change : undefined;
    }

    /** Forgets every variable (the kernel is gone); returns what clients are to be told, if anything. */
    clear(): SymbolsChangedParams | undefined {
        if (!this.byName.size) return undefined;
        const removed = [...this.byName.keys()];
        this.byName.clear();
        this.sorted = undefined;
        return { added: [], changed: [], removed, reset: true };
    }

    page(start = 0, count = Number.MAX_SAFE_INTEGER): VariablesResult {
        this.sorted ??= [...this.byName.values()].sort((a, b) => compareNames(a.name, b.name));
        return { variables: this.sorted.slice(start, start + count), total: this.sorted.length };
    }
}
