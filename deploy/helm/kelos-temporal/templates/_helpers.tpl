{{/* Names: <release>-kelos-temporal, or the release name when it already contains the chart name. */}}
{{- define "kelos.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kelos.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kelos.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "kelos.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component: call with (dict "root" $ "component" "worker"). */}}
{{- define "kelos.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kelos.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "kelos.componentLabels" -}}
{{ include "kelos.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "kelos.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "kelos.workerServiceAccount" -}}
{{- .Values.serviceAccounts.worker.name | default (printf "%s-worker" (include "kelos.fullname" .)) }}
{{- end }}

{{- define "kelos.controllerServiceAccount" -}}
{{- .Values.serviceAccounts.controller.name | default (printf "%s-controller" (include "kelos.fullname" .)) }}
{{- end }}

{{/* "*" or the served namespaces joined with commas (the worker's --namespaces). */}}
{{- define "kelos.namespacesArg" -}}
{{- if kindIs "string" .Values.namespaces }}{{ .Values.namespaces }}{{ else }}{{ join "," .Values.namespaces }}{{ end }}
{{- end }}

{{- define "kelos.allNamespaces" -}}
{{- if and (kindIs "string" .Values.namespaces) (eq .Values.namespaces "*") }}true{{ end }}
{{- end }}

{{/* The Temporal connection and the encryption keys, as environment variables (clients/temporal-connection.ts). */}}
{{- define "kelos.temporalEnv" -}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: KELOS_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
- name: KELOS_HOME
  value: /var/lib/kelos/home
{{- with .Values.temporal.tls }}
{{- if .enabled }}
- name: TEMPORAL_TLS
  value: "true"
{{- if .serverCACertKey }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /etc/kelos/temporal-tls/{{ .serverCACertKey }}
{{- end }}
{{- if .clientCertKey }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /etc/kelos/temporal-tls/{{ .clientCertKey }}
{{- end }}
{{- if .clientKeyKey }}
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /etc/kelos/temporal-tls/{{ .clientKeyKey }}
{{- end }}
{{- if .serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ .serverName | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.temporal.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.temporal.apiKey.existingSecret }}
      key: {{ .Values.temporal.apiKey.key }}
{{- end }}
{{- if .Values.encryption.existingSecret }}
- name: KELOS_ENCRYPTION_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.encryption.existingSecret }}
      key: {{ .Values.encryption.key }}
{{- if .Values.encryption.oldKeysKey }}
- name: KELOS_ENCRYPTION_OLD_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ .Values.encryption.existingSecret }}
      key: {{ .Values.encryption.oldKeysKey }}
{{- end }}
{{- end }}
{{- end }}

{{/* Writable places under a read-only root: kelos's data directory and /tmp. */}}
{{- define "kelos.volumeMounts" -}}
- name: data
  mountPath: /var/lib/kelos
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: /etc/kelos/temporal-tls
  readOnly: true
{{- end }}
{{- end }}

{{- define "kelos.volumes" -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end }}

{{/* Pod-level settings every component shares: call with (dict "root" $ "values" .Values.worker). */}}
{{- define "kelos.podSettings" -}}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Fails the render with a message naming the value when a setting needs a Secret that was not named. */}}
{{- define "kelos.checkValues" -}}
{{- if and .Values.temporal.tls.enabled (not .Values.temporal.tls.existingSecret) }}
{{- fail "temporal.tls.existingSecret: name the Secret holding the TLS files when temporal.tls.enabled is true" }}
{{- end }}
{{- if and .Values.codecServer.enabled (not .Values.encryption.existingSecret) }}
{{- fail "encryption.existingSecret: the codec server needs the encryption keys (codecServer.enabled is true)" }}
{{- end }}
{{- if and .Values.codecServer.enabled (not .Values.codecServer.tokenSecret.existingSecret) }}
{{- fail "codecServer.tokenSecret.existingSecret: the codec server listens beyond loopback only with a bearer token" }}
{{- end }}
{{- $hooks := .Values.bridge.webhookSecrets }}
{{- if and (or $hooks.githubKey $hooks.linearKey $hooks.generic) (not $hooks.existingSecret) }}
{{- fail "bridge.webhookSecrets.existingSecret: name the Secret the webhook secret keys are read from" }}
{{- end }}
{{- end }}
