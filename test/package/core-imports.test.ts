import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** The lint rule that keeps the core free of adapters and SDKs fails when broken (issue 9). */
describe('src/ imports no adapter and no SDK (lint rule)', () => {
  const eslint = new ESLint({ cwd: repo });
  const problems = async (code: string, file = 'src/webhook/example.ts'): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: `${repo}${file}` });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  for (const specifier of ['../../adapters/openfeature/index.js', '@openfeature/server-sdk', '@opentelemetry/sdk-logs', '@launchdarkly/node-server-sdk', 'unleash-client']) {
    it(`refuses ${specifier} in src/`, async () => {
      const found = await problems(`import { x } from '${specifier}';\nexport const y = x;\n`);
      assert.equal(found.length, 1, `no lint error for ${specifier}`);
    });
  }

  it('the demo is the one exception in src/', async () => {
    assert.deepEqual(await problems(`import { OpenFeature } from '@openfeature/server-sdk';\nexport const y = OpenFeature;\n`, 'src/cli/demo.ts'), []);
  });

  it('allows @opentelemetry/api and core in src/, and anything in adapters/', async () => {
    assert.deepEqual(await problems(`import { diag } from '@opentelemetry/api';\nimport { ExportResultCode } from '@opentelemetry/core';\nexport const y = [diag, ExportResultCode];\n`), []);
    assert.deepEqual(await problems(`import { OpenFeature } from '@openfeature/server-sdk';\nexport const y = OpenFeature;\n`, 'adapters/openfeature/example.ts'), []);
  });
});
