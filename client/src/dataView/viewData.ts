/**
 * The View Data command (`rbridge.viewData`): from a row of the variables
 * view (its inline icon or context menu), a variable's name or path, or the
 * command palette (a pick of the tables in the global environment).
 * Values the viewer cannot show as a table (lists, environments,
 * functions…) get a message that says what to do instead.
 */
import * as vscode from 'vscode';
import type { Notifier } from '../notifier';
import { pathExpression } from '../rNames';
import type { RSession } from '../session';
import { VariableNode, VariablesTreeProvider, describe } from '../variablesTree';
import type { DataViews } from './dataViews';
import { viewability } from './viewable';

export interface ViewDataParts {
    session: RSession;
    variables: VariablesTreeProvider;
    dataViews: DataViews;
    notifier: Notifier;
}

/** Opens (or shows) a data view; resolves with its view id, or undefined when none opened (the user was told why). */
export async function viewData(parts: ViewDataParts, target: unknown): Promise<string | undefined> {
    if (!parts.session.isReady) {
        parts.notifier.status('R is not running: start it (R: Restart R) and run the code that makes the table.');
        return undefined;
    }
    let node: VariableNode | undefined;
    if (target instanceof VariableNode) node = target;
    else if (typeof target === 'string') {
        node = parts.variables.rootNode(target);
        if (!node) {
            parts.notifier.status(`No variable named ${target} in the global environment.`);
            return undefined;
        }
    } else if (Array.isArray(target) && target.every((s) => typeof s === 'string')) {
        const path = target as string[];
        return parts.dataViews.openVariable(path, pathExpression(path));
    } else {
        node = await pick(parts);
        if (!node) return undefined;
    }
    const verdict = viewability(node.variable);
    if (!verdict.ok) {
        void parts.notifier.show('info', verdict.reason);
        return undefined;
    }
    return parts.dataViews.openVariable(node.variable.path, node.expression);
}

async function pick(parts: ViewDataParts): Promise<VariableNode | undefined> {
    const nodes = parts.variables.variables
        .map((v) => parts.variables.rootNode(v.name))
        .filter((n): n is VariableNode => n !== undefined && viewability(n.variable).ok);
    if (nodes.length === 0) {
        parts.notifier.status('No data frame, matrix, table or vector in the global environment to view.');
        return undefined;
    }
    const chosen = await vscode.window.showQuickPick(
        nodes.map((n) => ({ label: n.variable.name, description: describe(n.variable), node: n })),
        { placeHolder: 'The variable to view as a table', matchOnDescription: true },
    );
    return chosen?.node;
}
