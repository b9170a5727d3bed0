/**
 * The documents the language server serves (completion, hover, signature
 * help): R files on disk and untitled R documents. Other schemes (a file
 * at another revision in a diff, a virtual file system) are left out: the
 * server would take them for more open documents.
 */
export const R_DOCUMENTS = [
    { language: 'r', scheme: 'file' },
    { language: 'r', scheme: 'untitled' },
];

