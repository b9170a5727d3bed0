// ESLint with typescript-eslint (type-aware): `npm run lint`, part of `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    {
        ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'bench/peers/types/**', '**/*.js', '**/*.mjs'],
    },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ['**/*.ts'],
        languageOptions: {
            parserOptions: {
                // Each file is checked with the tsconfig that includes it
                // (the root one, client/ or test/vscode/).
                projectService: true,
                tsconfigRootDir: import.meta.dirname,
            },
        },
        rules: {
            // A promise nobody awaits loses its errors: mark deliberate ones with `void`.
            '@typescript-eslint/no-floating-promises': 'error',
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
        },
    },
    {
        // The server's stdout carries the protocol and nothing else: it logs through the connection.
        files: ['server/src/**/*.ts'],
        rules: { 'no-console': 'error' },
    },
);
