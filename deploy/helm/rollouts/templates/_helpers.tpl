{{/* Base name of every object: fullnameOverride, else <release>-controller. */}}
{{- define "rollouts.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-controller" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the controller's pods (also those of install.yaml, plus the release). */}}
{{- define "rollouts.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rollouts.fullname" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "rollouts.labels" -}}
{{ include "rollouts.selectorLabels" . }}
app.kubernetes.io/part-of: rollouts
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "rollouts.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rollouts.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "rollouts.image" -}}
{{- $repo := .Values.controller.image.repository -}}
{{- if .Values.controller.image.registry -}}{{- $repo = printf "%s/%s" .Values.controller.image.registry $repo -}}{{- end -}}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.controller.image.tag) -}}
{{- end -}}

{{/* The controller's rules (files/controller-rules.yaml) and rbac.extraRules. */}}
{{- define "rollouts.rules" -}}
{{ .Files.Get "files/controller-rules.yaml" }}
{{- with .Values.rbac.extraRules }}
{{ toYaml . }}
{{- end }}
{{- end -}}
