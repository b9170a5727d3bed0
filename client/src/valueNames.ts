/**
 * The R expression a person would write for a value the variables view
 * shows: names where the value has them (`nested$a$b`, `df$col`,
 * `` df$`my col` ``), positions (`l[[2]]`) only where there is no name, or
 * where `$name` would reach another element (an earlier one with the same
 * name). This is what "Copy Name", "Print to Console" and "str() to Console"
 * use; the path segments the server understands (`[[i]]`, `$name`, `@slot`)
 * stay what the view asks R with.
 *
 * No `vscode` import: tested in plain Node.
 */
import { quoteName } from './rNames';

/** One step from a value down to one of its children, as the view knows it. */
export interface ValueStep {
    /** The path segment: `[[i]]`, `$name` (an environment's binding) or `@slot`. */
    segment: string;
    /** The row's name: the element's name, or `[[i]]` when it has none. */
    name: string;
    /** An earlier element of the same list has the same name: `$name` would reach that one. */
    shadowed?: boolean;
}

/** The expression that reaches the value `steps` below the global variable `root`. */
export function readableExpression(root: string, steps: readonly ValueStep[]): string {
    let expression = quoteName(root);
    for (const step of steps) expression += stepExpression(step);
    return expression;
}

function stepExpression(step: ValueStep): string {
    const { segment, name } = step;
    if (segment.startsWith('[[')) {
        // An element with a name of its own (the view shows `[[i]]` for
        // one without): `$name` reaches it, unless an earlier one has the
        // same name (`$` takes the first exact match).
        const named = name !== '' && name !== segment && !step.shadowed;
        return named ? '$' + quoteName(name) : segment;
    }
    if (segment.startsWith('$')) return '$' + quoteName(segment.slice(1));
    if (segment.startsWith('@')) return '@' + quoteName(segment.slice(1));
    return `[[${JSON.stringify(segment)}]]`;
}
