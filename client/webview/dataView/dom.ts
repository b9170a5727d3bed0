/** Small helpers for building the page's elements without markup strings (no innerHTML of data). */

type Attributes = Record<string, string | number | boolean | undefined>;

/** An element with a class name, attributes and children (strings become text). */
export function el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    className?: string,
    attributes: Attributes = {},
    ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
    const element = document.createElement(tag);
    if (className) element.className = className;
    for (const [name, value] of Object.entries(attributes)) {
        if (value === undefined || value === false) continue;
        element.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) if (child !== undefined) element.append(child);
    return element;
}

/** A codicon button with a tooltip that is also its accessible name. */
export function iconButton(icon: string, label: string, className = ''): HTMLButtonElement {
    return el('button', `icon codicon codicon-${icon} ${className}`.trim(), { type: 'button', title: label, 'aria-label': label });
}
