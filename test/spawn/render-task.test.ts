/**
 * What a spawner renders per item besides the prompt: template labels and annotations (Go templates, §4.3), the
 * spawner label winning over them (§4.4), and the runtime a Task asks for through `kelos.dev/runtime`.
 */
import { parseManifests, type TaskSpawnerResource } from '../../src/model';
import { renderSpawnedTask } from '../../src/spawner/render-task';
import { taskRunForItem } from '../../src/spawner/task-from-template';
import { templateVarsFor } from '../../src/sources/template-vars';

function spawner(metadata: string): TaskSpawnerResource {
  const result = parseManifests(
    `
apiVersion: kelos.dev/v1alpha2
kind: TaskSpawner
metadata: {name: fixer, namespace: default}
spec:
  when: {githubIssues: {}}
  taskTemplate:
    type: claude-code
    credentials: {type: api-key, secretRef: {name: key}}
    workspaceRef: {name: ws}
    promptTemplate: "Fix #{{.Number}}"
    metadata:
${metadata}
`,
    'spawner.yaml',
  );
  expect(result.errors.map(String)).toEqual([]);
  return result.resources[0] as TaskSpawnerResource;
}

const vars = templateVarsFor('githubIssues', { ID: '42', Number: 42, Title: 'Crash', Labels: 'bug, p1' });

test('label and annotation values are rendered per item; the spawner label wins', () => {
  const s = spawner(`      labels: {issue: "issue-{{.Number}}", kelos.dev/taskspawner: spoofed}
      annotations: {kelos.dev/runtime: kubernetes, example.com/title: "{{.Title}} ({{.Labels}})"}`);
  const rendered = renderSpawnedTask(s, vars);
  expect(rendered.labels).toEqual({ issue: 'issue-42', 'kelos.dev/taskspawner': 'spoofed' });
  expect(rendered.annotations).toEqual({ 'kelos.dev/runtime': 'kubernetes', 'example.com/title': 'Crash (bug, p1)' });
  const run = taskRunForItem(s, rendered, 'githubIssues', () => 0);
  expect(run.labels).toEqual({ issue: 'issue-42', 'kelos.dev/taskspawner': 'fixer' });
  expect(run.annotations).toEqual(rendered.annotations);
  expect(run.runtime).toBe('kubernetes');
});

test('a metadata template that fails names the field', () => {
  const s = spawner('      labels: {owner: "{{.Nope}}"}');
  expect(() => renderSpawnedTask(s, vars)).toThrow(/metadata\.labels\[owner\]/);
});

test('an unknown runtime is refused with the annotation named', () => {
  const s = spawner('      annotations: {kelos.dev/runtime: "{{if .Number}}docker{{end}}"}');
  expect(() => taskRunForItem(s, renderSpawnedTask(s, vars), 'githubIssues', () => 0)).toThrow('metadata.annotations["kelos.dev/runtime"]: must be one of local, kubernetes (got "docker")');
});
