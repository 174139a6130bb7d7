/**
 * Finds Node-only APIs in the code that runs inside Temporal's workflow sandbox. The SDK's bundler refuses workflow
 * code that imports Node's modules, but not code that uses Node's globals (`Buffer`, `process`, `__dirname`, …),
 * which type-checks (the project compiles with Node's types) and then fails only when a workflow reaches it. So: the
 * modules the bundle really holds are type-checked, and every value they use whose only declaration is in Node's
 * types is reported. Types (`NodeJS.ProcessEnv` in a signature) are erased and allowed.
 */
import * as path from 'node:path';
import ts from 'typescript';

/** Globals the workflow sandbox provides itself (deterministic versions, or harmless ones). */
const SANDBOX_GLOBALS = new Set(['setTimeout', 'clearTimeout', 'console', 'TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams', 'AbortController', 'AbortSignal', 'queueMicrotask', 'structuredClone']);

export interface NodeOnlyUsage {
  file: string;
  line: number;
  name: string;
}

/** The project's source modules in a workflow bundle (webpack names them `./dir/file.ts`), as absolute paths. */
export function bundledSourceFiles(bundleCode: string, root: string): string[] {
  const files = [...bundleCode.matchAll(/"\.\/((?:api|workflows|host|activities|clients|workers)\/[^"]+\.ts)"/g)].map((m) => path.join(root, m[1]));
  return [...new Set(files)].sort();
}

export function nodeOnlyUsages(files: string[], root: string): NodeOnlyUsage[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  const program = ts.createProgram(files, { ...config!.options, noEmit: true });
  const checker = program.getTypeChecker();
  const isNodeDeclaration = (d: ts.Declaration) => /[\\/]@types[\\/]node[\\/]/.test(d.getSourceFile().fileName);
  const found: NodeOnlyUsage[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isTypeNode(node) || ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
      if (ts.isIdentifier(node) && !SANDBOX_GLOBALS.has(node.text) && !isPropertyName(node)) {
        const symbol = checker.getSymbolAtLocation(node);
        const declarations = symbol?.declarations ?? [];
        if (declarations.length && declarations.every(isNodeDeclaration)) {
          found.push({ file: path.relative(root, file), line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, name: node.text });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** `x.name` and `{ name: … }`: the name is a member, judged by its object, not a global of its own. */
function isPropertyName(node: ts.Identifier): boolean {
  const parent = node.parent;
  return (ts.isPropertyAccessExpression(parent) && parent.name === node) || (ts.isPropertyAssignment(parent) && parent.name === node) || ts.isPropertySignature(parent) || (ts.isMethodDeclaration(parent) && parent.name === node);
}
