package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/joho/godotenv"
)

// loadDotEnv reads settings from a .env file into the environment, so a
// checkout configured from .env.example works with `slabot run` as it is:
// SLABOT_ENV_FILE names the file, else ./.env is read when it exists.
// Variables already set in the environment win (systemd's EnvironmentFile,
// Kubernetes' env), and the file's values are never printed.
func loadDotEnv() error {
	path, explicit := os.LookupEnv("SLABOT_ENV_FILE")
	if !explicit {
		path = ".env"
	}
	err := godotenv.Load(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
