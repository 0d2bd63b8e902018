{{/* The name every object carries: the release name, unless it already says slabot. */}}
{{- define "slabot.fullname" -}}
{{- if contains "slabot" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-slabot" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "slabot.selectorLabels" -}}
app.kubernetes.io/name: slabot
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "slabot.labels" -}}
{{ include "slabot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "slabot.secretName" -}}
{{- default (include "slabot.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}
