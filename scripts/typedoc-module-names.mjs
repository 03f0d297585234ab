// A TypeDoc plugin: names each module of the API reference by its import path
// (`ff-webhook-exporter`, `ff-webhook-exporter/otel`, …) instead of the folder
// it lives in (`src`, `adapters/otel`), using the entry list the build uses.
import { Converter } from 'typedoc';
import { entries } from './entries.mjs';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const name = context.project.packageName ?? context.project.name;
    // TypeDoc names a module after its entry point's path, without the common
    // root and the trailing /index: src/index.ts → `src`.
    const byFolder = new Map(entries().map(({ subpath, source }) => [source.replace(/\/index$/, ''), subpath === '.' ? name : `${name}/${subpath.slice(2)}`]));
    for (const module of context.project.children ?? []) {
      const importPath = byFolder.get(module.name);
      if (importPath === undefined) throw new Error(`typedoc: no import path for module ${module.name}; is it in scripts/entries.mjs?`);
      module.name = importPath;
    }
  });
}
