/**
 * Output that scripts read arrives whole: the real `kelos` binary writing listings of more than 1 MB into a pipe
 * whose reader is slow (the pipe fills, so the CLI must wait for it before exiting), several times over, offline
 * (`apply --dry-run`) and from Temporal (`get tasks`). Also the streamed List printer against the one-shot one.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { KELOS_ROOT, runKelos } from '../harness/kelos-cli';
import { testServerAddress, uniqueTaskQueue } from '../harness/temporal';
import { printObjects } from '../../src/clients/cli/output';

const KELOS = path.join(KELOS_ROOT, 'bin', 'kelos.js');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-output-'));

/** Runs kelos with stdout to a pipe that nobody reads for the first half second, then reads it all. */
async function kelosThroughSlowPipe(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(process.execPath, [KELOS, ...args], { cwd: KELOS_ROOT, env: { ...process.env, KELOS_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.pause();
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await new Promise((r) => setTimeout(r, 500));
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stdout.resume();
  const code = await exited;
  return { code, stdout: Buffer.concat(chunks), stderr };
}

function taskDocuments(count: number, promptBytes: number): string {
  return Array.from({ length: count }, (_, i) =>
    ['apiVersion: kelos.dev/v1alpha2', 'kind: Task', `metadata: {name: big-${String(i).padStart(4, '0')}}`, 'spec:', '  type: claude-code', `  prompt: "${'p'.repeat(promptBytes)} ${i}"`, '  credentials: {type: none}'].join('\n'),
  ).join('\n---\n');
}

describe('a listing over 1 MB into a slow pipe', () => {
  const file = path.join(home, 'tasks.yaml');
  beforeAll(() => fs.writeFileSync(file, taskDocuments(2_500, 400)));

  it.each(['json', 'yaml'])('apply --dry-run -o %s arrives whole, every time', async (format) => {
    const sizes = new Set<number>();
    for (let run = 0; run < 3; run += 1) {
      const out = await kelosThroughSlowPipe(['apply', '--dry-run', '-f', file, '-o', format]);
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      expect(out.stdout.length).toBeGreaterThan(1024 * 1024);
      const list = (format === 'json' ? JSON.parse(out.stdout.toString('utf8')) : YAML.parse(out.stdout.toString('utf8'))) as { items: { metadata: { name: string } }[] };
      expect(list.items).toHaveLength(2_500);
      expect(list.items[2_499].metadata.name).toBe('big-2499');
      sizes.add(out.stdout.length);
    }
    expect(sizes.size).toBe(1);
  });

  it('get tasks -o json from Temporal arrives whole, and --limit / --chunk-size page the query', async () => {
    const namespace = `output-${Date.now().toString(36)}`;
    // No worker polls this queue: the Tasks stay Pending, which is all a listing needs.
    const queue = uniqueTaskQueue('output');
    const common = { address: testServerAddress(), home };
    fs.writeFileSync(path.join(home, 'few.yaml'), taskDocuments(250, 4_500));
    expect(runKelos(common, ['--task-queue', queue, '-n', namespace, 'apply', '-f', path.join(home, 'few.yaml')]).code).toBe(0);

    for (let run = 0; run < 3; run += 1) {
      const out = await kelosThroughSlowPipe(['--address', testServerAddress(), '-n', namespace, 'get', 'tasks', '-o', 'json', '--chunk-size', String(40 + run)]);
      expect(out.code).toBe(0);
      expect(out.stdout.length).toBeGreaterThan(1024 * 1024);
      const names = (JSON.parse(out.stdout.toString('utf8')) as { items: { metadata: { name: string } }[] }).items.map((t) => t.metadata.name);
      expect(names).toHaveLength(250);
      expect(names).toEqual([...names].sort());
    }
    const limited = runKelos(common, ['-n', namespace, 'get', 'tasks', '-o', 'json', '--limit', '7', '--chunk-size', '3']);
    const newest = (JSON.parse(limited.stdout) as { items: { metadata: { name: string } }[] }).items.map((t) => t.metadata.name);
    // The most recently created first: apply starts them in document order.
    expect(newest).toEqual(['big-0243', 'big-0244', 'big-0245', 'big-0246', 'big-0247', 'big-0248', 'big-0249']);
    expect(runKelos(common, ['-n', namespace, 'get', 'tasks', '--limit', '0']).stderr).toMatch(/invalid --limit "0"/);
  });
});

describe('the streamed List printer', () => {
  const objects = [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' }, data: { text: 'one\n\ntwo\n', list: [1, { x: null }], empty: {} } },
    { kind: 'Task', spec: { prompt: '- starts like a list item', tags: [] } },
  ];

  async function captured(print: () => Promise<void>): Promise<string> {
    let text = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      text += String(chunk);
      return true;
    });
    try {
      await print();
    } finally {
      spy.mockRestore();
    }
    return text;
  }

  it.each([
    ['two items', objects],
    ['one item', objects.slice(0, 1)],
    ['no item', []],
  ])('writes what one JSON.stringify / YAML.stringify of the whole List would: %s', async (_case, items) => {
    const list = { apiVersion: 'v1', kind: 'List', items };
    expect(await captured(() => printObjects(items, 'json', false))).toBe(`${JSON.stringify(list, null, 2)}\n`);
    expect(await captured(() => printObjects(items, 'yaml', false))).toBe(YAML.stringify(list));
  });
});
