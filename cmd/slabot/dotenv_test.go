package main

import (
	"os"
	"path/filepath"
	"testing"
)

// .env fills what the environment does not set; the environment wins; a
// missing ./.env is fine, a missing SLABOT_ENV_FILE is an error.
func TestLoadDotEnv(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "slabot.env")
	if err := os.WriteFile(file, []byte("SLABOT_LOG_LEVEL=debug\nSLABOT_SCHEDULE=\"@every 5m\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLABOT_ENV_FILE", file)
	t.Setenv("SLABOT_SCHEDULE", "@every 1m")
	os.Unsetenv("SLABOT_LOG_LEVEL")
	t.Cleanup(func() { os.Unsetenv("SLABOT_LOG_LEVEL") })
	if err := loadDotEnv(); err != nil {
		t.Fatal(err)
	}
	if got := os.Getenv("SLABOT_LOG_LEVEL"); got != "debug" {
		t.Errorf("SLABOT_LOG_LEVEL = %q, want the file's debug", got)
	}
	if got := os.Getenv("SLABOT_SCHEDULE"); got != "@every 1m" {
		t.Errorf("SLABOT_SCHEDULE = %q, want the environment's value to win", got)
	}
	t.Setenv("SLABOT_ENV_FILE", filepath.Join(dir, "missing.env"))
	if err := loadDotEnv(); err == nil {
		t.Error("a missing SLABOT_ENV_FILE was accepted")
	}
	os.Unsetenv("SLABOT_ENV_FILE")
	t.Chdir(dir)
	if err := loadDotEnv(); err != nil {
		t.Errorf("no ./.env: %v", err)
	}
}
