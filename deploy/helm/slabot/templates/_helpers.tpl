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

{{/* "true" when the database is PostgreSQL; fails on an engine the code does not know. */}}
{{- define "slabot.postgres" -}}
{{- $e := .Values.database.engine -}}
{{- if not (has $e (list "sqlite" "postgres")) -}}
{{- fail (printf "database.engine=%q: use sqlite or postgres" $e) -}}
{{- end -}}
{{- if and (eq $e "postgres") (not .Values.secrets.existingSecret) (not .Values.secrets.databaseURL) -}}
{{- fail "database.engine=postgres needs the database URL: secrets.databaseURL, or SLABOT_DB in secrets.existingSecret" -}}
{{- end -}}
{{- if eq $e "postgres" }}true{{ end -}}
{{- end -}}
