import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

/**
 * `npm run docs` (TypeDoc, typedoc.config.mjs): one module per import path,
 * and no warning at all (an export without TSDoc, a broken link…), since any
 * warning fails the build.
 */
const root = resolve(__dirname, '../..');

describe('npm run docs', function () {
  this.timeout(120_000);
  let out: string;
  before(() => {
    out = mkdtempSync(join(tmpdir(), 'ff-webhook-docs-'));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('builds the API reference with 0 warnings, its modules named by their import paths', async () => {
    const result = spawnSync('npm', ['run', '--silent', 'docs', '--', '--out', join(out, 'html'), '--json', join(out, 'api.json')], {
      cwd: root,
      encoding: 'utf8',
    });
    const output = stripVTControlCharacters(result.stdout + result.stderr);
    assert.equal(result.status, 0, output);
    assert.doesNotMatch(output, /warning|error/i);
    const { entries } = (await import(join(root, 'scripts/entries.mjs'))) as { entries(root: string): Array<{ subpath: string }> };
    const expected = entries(root).map(({ subpath }) => (subpath === '.' ? 'ff-webhook-exporter' : `ff-webhook-exporter/${subpath.slice(2)}`));
    const api = JSON.parse(readFileSync(join(out, 'api.json'), 'utf8')) as { name: string; children: Array<{ name: string; children?: Array<{ name: string }> }> };
    assert.deepEqual(api.children.map((module) => module.name).sort(), expected.sort());
    const core = api.children.find((module) => module.name === 'ff-webhook-exporter')!;
    for (const name of ['BatchProcessor', 'WebhookExporter', 'createReceiver', 'verifyWebhook', 'SignatureScheme', 'WebhookErrorDetails']) {
      assert.ok(core.children?.some((child) => child.name === name), `${name} is in the reference`);
    }
  });
});
