import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'docs/', 'node_modules/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The core never imports an adapter, a flag SDK or an OpenTelemetry SDK: only
    // @opentelemetry/api and core. The one exception is the CLI's demo, which loads
    // OpenFeature and its adapter after checking the optional peer is installed.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/demo.ts', 'src/cli/demo-flags.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/adapters/**'], message: 'src/ (the core) never imports an adapter.' },
          {
            group: ['@openfeature/*', '@opentelemetry/sdk-*', '@opentelemetry/exporter-*', '@opentelemetry/api-logs',
              '@launchdarkly/*', 'unleash-client', '@growthbook/*', '@configcat/*'],
            message: 'src/ (the core) uses only @opentelemetry/api and @opentelemetry/core.',
          },
        ],
      }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
